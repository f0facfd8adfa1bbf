//! `initialize` and `initialized`: the capabilities are negotiated once, here.

use crate::caps::Negotiated;
use crate::server::Inner;
use crate::to_proto;
use std::sync::Arc;
use tower_lsp_server::ls_types::{InitializeParams, InitializeResult};

pub fn initialize(inner: &Inner, params: &InitializeParams) -> InitializeResult {
    let caps = Negotiated::from_client(&params.capabilities);
    inner.set_caps(caps);
    to_proto::initialize_result(&caps)
}

/// Starts following folder hashes, and registers the file watchers where the client registers
/// capabilities dynamically. The answer is not awaited here: a client that never answers must
/// not hold up anything.
pub fn initialized(inner: &Arc<Inner>) {
    inner.follow_hash_changes();
    if !inner.caps().watched_files_registration {
        return;
    }
    let inner = inner.clone();
    tokio::spawn(async move {
        let _ = inner
            .client
            .register_capability(vec![to_proto::watched_files_registration()])
            .await;
    });
}
