//! The `moodle-sync` binary: parses the command line, starts logging and the runtime, runs the
//! command and turns its result into an exit code.

use std::process::ExitCode;

use clap::Parser;
use moodle_sync::{app, cli::Cli, exit, telemetry};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            // clap's own 2 would mean "file rejected" here.
            return ExitCode::from(if error.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            });
        }
    };
    let format = cli.log_format;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let message = format!("cannot start: {error}");
            moodle_sync::say_err!(
                "{}",
                telemetry::fatal_line(format, &message, exit::FILESYSTEM)
            );
            return ExitCode::from(exit::FILESYSTEM);
        }
    };
    match runtime.block_on(app::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(fatal) => {
            let code = fatal.exit_code();
            let line = telemetry::fatal_line(format, &fatal.to_string(), code);
            moodle_sync::say_err!("{line}");
            ExitCode::from(code)
        }
    }
}
