//! One module per subcommand.

pub mod check;
pub mod deploy;
pub mod destroy;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod import;
pub mod init;
mod live;
pub mod outputs;
pub mod plan;
mod project;
pub mod secret;
mod stack;
pub mod state;

use std::io::IsTerminal;

/// Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org).
pub fn use_color(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Exit code for "could not run": no such path, unreadable files.
pub const EXIT_CANNOT_RUN: u8 = 2;

/// Leaves `value` allocated for the process's last moments: a command that has written its
/// output and is about to exit skips freeing a large tree piece by piece. Only for values whose
/// drop does nothing but free memory (no files to flush, no locks to release).
pub fn leak_at_exit<T>(value: T) {
    std::mem::forget(value);
}
