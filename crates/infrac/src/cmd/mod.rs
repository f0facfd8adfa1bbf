//! One module per subcommand.

pub mod check;
pub mod deploy;
pub mod destroy;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod init;
pub mod outputs;
pub mod plan;
pub mod state;

use std::io::IsTerminal;

/// Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org).
pub fn use_color(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Exit code for "could not run": no such path, unreadable files.
pub const EXIT_CANNOT_RUN: u8 = 2;
