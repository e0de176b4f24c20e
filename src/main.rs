//! The `moodle-sync` binary: parses the command line, starts logging and the runtime, runs the
//! command and turns its result into an exit code.

use std::process::ExitCode;

use clap::Parser;
use moodle_sync::{app, cli::Cli};

/// Exit code of a command line that cannot be parsed (clap's own 2 means "file rejected" here).
const USAGE_EXIT: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { USAGE_EXIT } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            moodle_sync::say_err!("moodle-sync: cannot start: {error}");
            return ExitCode::from(5);
        }
    };
    match runtime.block_on(app::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(fatal) => {
            moodle_sync::say_err!("moodle-sync: {}", fatal.to_string().replace('\n', " "));
            ExitCode::from(fatal.exit_code())
        }
    }
}
