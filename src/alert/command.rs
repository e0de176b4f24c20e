//! Alerts by command: `[alerts.command] argv` is run once per event, with the event as one
//! line of JSON on its standard input, killed if it outlives its timeout. Its exit status is
//! logged; what it prints on standard error is quoted when it fails.

use std::process::Stdio;

use tokio::{io::AsyncWriteExt, process::Command};

use super::{AlertError, event::Event, settings::CommandSettings};

/// The most of a failed command's standard error quoted in the log.
const STDERR_QUOTED: usize = 500;

/// Runs the command with the event on its standard input; `Ok` with its exit status when it
/// exits 0.
pub async fn run(settings: &CommandSettings, event: &Event) -> Result<String, AlertError> {
    let program = settings.argv[0].clone();
    let mut command = Command::new(&program);
    for name in &settings.hidden_env {
        command.env_remove(name);
    }
    #[cfg(unix)]
    // SAFETY: between fork and exec only an async-signal-safe call is made: the command
    // gets SIGIO's default back (the service ignores it for its file leases).
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGIO, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = command
        .args(&settings.argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // Dropped on a timeout (or when the service stops): killed, never left behind.
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| AlertError::Spawn {
            program: program.clone(),
            source,
        })?;
    let input = child.stdin.take();
    let json = event.json();
    let finished = tokio::time::timeout(settings.timeout, async move {
        if let Some(mut input) = input {
            // A command that does not read its input is its own business: a closed pipe is
            // not an error of ours.
            let _ = input.write_all(json.as_bytes()).await;
            drop(input);
        }
        child.wait_with_output().await
    })
    .await;
    let output = match finished {
        Ok(Ok(output)) => output,
        Ok(Err(source)) => {
            return Err(AlertError::Wait {
                program: program.clone(),
                source,
            });
        }
        Err(_) => {
            return Err(AlertError::Timeout {
                program,
                timeout_s: settings.timeout.as_secs(),
            });
        }
    };
    if output.status.success() {
        return Ok(output.status.to_string());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = stderr.trim();
    let quoted: String = stderr.chars().take(STDERR_QUOTED).collect();
    Err(AlertError::Failed {
        program,
        status: output.status.to_string(),
        stderr: if quoted.is_empty() {
            String::new()
        } else {
            format!(": {quoted}")
        },
    })
}
