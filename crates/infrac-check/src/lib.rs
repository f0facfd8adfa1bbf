//! Checking `.infra` programs: the schema of each resource kind, project loading (through the
//! [`io::FileSystem`] trait), name resolution, types and every rule of the language, and
//! the two renderers of diagnostics.
//!
//! Architecture invariant: this crate is pure. It reads files only through `FileSystem`, knows
//! nothing of tokio, lsp-types or the AWS SDK, and reports user mistakes as diagnostics, never
//! as `Err` or a panic.

pub mod annotate;
pub mod check;
pub mod compute;
pub mod cron;
pub mod date;
pub mod explain;
pub mod io;
pub mod model;
pub mod pattern;
pub mod project;
pub mod reference;
pub mod render;
pub mod schema;
pub mod suggest;
pub mod synthetic;

pub use check::{check_project, check_project_at, check_project_streaming, Checked, Need};
pub use date::Date;
pub use io::{FileSystem, MemoryFileSystem};
pub use model::Model;
pub use project::{load_project, load_project_unparsed, DiskFileSystem, Project};
