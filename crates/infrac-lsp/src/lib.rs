//! The language server of the `.infra` language: `infrac lsp` speaks LSP over stdio. It is
//! project-aware (every `.infra` file of the open file's directory, open buffers over disk),
//! and answers from the same compiler the CLI uses.
//!
//! Architecture invariant: this is the only crate that knows lsp-types (`ls_types`); the IDE
//! layer below speaks byte offsets and plain structs; `from_proto` and `to_proto` translate,
//! shaped by the client's capabilities as negotiated once in `caps`.

mod caps;
mod from_proto;
mod handlers;
mod hashing;
mod secrets;
mod server;
mod to_proto;
pub mod transport;
mod workspace;

pub use secrets::{set_secret_checker, SecretChecker, SecretQuery};
pub use server::Backend;
use tower_lsp_server::{ClientSocket, LspService};

/// The server as a tower service, for tests and for transports other than stdio.
pub fn service() -> (LspService<Backend>, ClientSocket) {
    LspService::new(Backend::new)
}

/// Serves LSP on stdin and stdout until the client exits. Logs go to stderr: stdout is the
/// protocol channel.
pub fn run_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(transport::serve(tokio::io::stdin(), tokio::io::stdout()));
    // Reading stdin blocks a thread that only returns when the client closes it; after `exit`
    // the process must not wait for that.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(())
}
