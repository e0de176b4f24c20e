//! What the commands print for people. Standard output may be a pipe that closes early
//! (`moodle-sync status | head -3`): the first write that fails ends the printing, never the
//! command, which finishes its work and exits with its own code. Rust's `println!` would panic
//! there (exit code 101).

use std::{
    fmt,
    io::{self, Write},
    sync::atomic::{AtomicBool, Ordering},
};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes one line on standard output, unless an earlier write found it closed.
pub fn out_line(args: fmt::Arguments<'_>) {
    write_line(&mut io::stdout().lock(), &STDOUT_CLOSED, args);
}

/// Writes one line on standard error, unless an earlier write found it closed.
pub fn err_line(args: fmt::Arguments<'_>) {
    write_line(&mut io::stderr().lock(), &STDERR_CLOSED, args);
}

fn write_line(out: &mut dyn Write, closed: &AtomicBool, args: fmt::Arguments<'_>) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    let written = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
    if written.and_then(|()| out.flush()).is_err() {
        closed.store(true, Ordering::Relaxed);
    }
}

/// `println!` that survives a closed pipe: see the module.
#[macro_export]
macro_rules! say {
    () => { $crate::app::console::out_line(format_args!("")) };
    ($($arg:tt)*) => { $crate::app::console::out_line(format_args!($($arg)*)) };
}

/// `eprintln!` that survives a closed pipe: see the module.
#[macro_export]
macro_rules! say_err {
    ($($arg:tt)*) => { $crate::app::console::err_line(format_args!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader went away.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_stops_the_printing_without_failing() {
        let closed = AtomicBool::new(false);
        write_line(&mut Closed, &closed, format_args!("first"));
        assert!(closed.load(Ordering::Relaxed));
        let mut kept = Vec::new();
        write_line(&mut kept, &closed, format_args!("second"));
        assert!(kept.is_empty(), "nothing is written once the pipe closed");
        let open = AtomicBool::new(false);
        write_line(&mut kept, &open, format_args!("third {}", 3));
        assert_eq!(kept, b"third 3\n");
    }
}
