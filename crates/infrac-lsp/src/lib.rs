//! The language server of the `.infra` language: `infrac lsp` speaks LSP over stdio. It is
//! project-aware (every `.infra` file of the open file's directory, open buffers over disk),
//! and answers from the same compiler the CLI uses.
//!
//! Architecture invariant: this is the only crate that knows lsp-types (`ls_types`); the IDE
//! layer below speaks byte offsets and plain structs, and `convert.rs` translates.

mod convert;
mod server;
mod workspace;

pub use server::Backend;
use tower_lsp_server::{ClientSocket, LspService, Server};

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
    runtime.block_on(async {
        let (service, socket) = service();
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    Ok(())
}
