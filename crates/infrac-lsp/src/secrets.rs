//! Whether a program's secrets are set in the stack, for hover. The server knows no AWS: the
//! binary that mounts it hands in a [`SecretChecker`] (`infrac lsp` one that asks SSM by name,
//! never reading a value). It is asked in the background after an analysis, at most once a
//! minute per project, and only for a stack whose state records its account and region: the
//! answer is the stack's, never another account's.

use crate::server::{lock, Inner};
use infrac_ide::{Analysis, SecretStatus};
use infrac_syntax::ast::ResourceKind;
use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// What the checker is asked: which of `names` have a value in the stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretQuery {
    pub root: PathBuf,
    pub project: String,
    pub stack: String,
    /// The account and region the stack's state records.
    pub account: String,
    pub region: String,
    pub names: Vec<String>,
}

/// Answers a [`SecretQuery`]: the names that are set, or why it cannot tell.
pub trait SecretChecker: Send + Sync {
    fn check(
        &self,
        query: SecretQuery,
    ) -> Pin<Box<dyn Future<Output = Result<BTreeSet<String>, String>> + Send>>;
}

static CHECKER: OnceLock<Arc<dyn SecretChecker>> = OnceLock::new();

/// Gives the server its way to ask AWS (once, before serving). Without one, hover says that
/// it cannot tell.
pub fn set_secret_checker(checker: Arc<dyn SecretChecker>) {
    let _ = CHECKER.set(checker);
}

/// How long an answer stands before the next analysis asks again.
const ASK_EVERY: Duration = Duration::from_mins(1);
/// How long one question may take.
const ASK_TIMEOUT: Duration = Duration::from_secs(20);

impl Inner {
    /// Asks, in the background, whether the secrets `analysis` declares are set, and records
    /// the answers where the project's analyses read them.
    pub(crate) fn refresh_secrets(self: &Arc<Self>, root: &Path, analysis: &Analysis) {
        let mut names: Vec<String> = analysis
            .checked
            .model
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Secret)
            .map(|r| r.name.to_string())
            .collect();
        if names.is_empty() {
            return;
        }
        names.sort();
        names.dedup();
        let statuses = {
            let mut workspace = lock(&self.workspace);
            let project = workspace.projects.entry(root.to_path_buf()).or_default();
            let known = project
                .secrets
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .keys()
                .cloned()
                .collect::<BTreeSet<_>>();
            let fresh = project
                .secrets_asked
                .is_some_and(|at| at.elapsed() < ASK_EVERY);
            // A newly declared secret is asked about at once.
            if fresh && names.iter().all(|n| known.contains(n)) {
                return;
            }
            project.secrets_asked = Some(Instant::now());
            project.secrets.clone()
        };
        let stack = analysis.stack.clone();
        let record = move |answer: &dyn Fn(&str) -> SecretStatus, names: &[String]| {
            let mut map = statuses
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.clear();
            for name in names {
                map.insert(name.clone(), answer(name));
            }
        };
        let home = analysis
            .state()
            .and_then(|s| Some((s.account.clone()?, s.region.clone()?)));
        let Some((account, region)) = home else {
            let why = format!(
                "stack `{stack}` has no state here, so there is no account to ask (`infrac secret list` asks with your credentials)"
            );
            record(&|_| SecretStatus::Unknown(why.clone()), &names);
            return;
        };
        let Some(checker) = CHECKER.get().cloned() else {
            record(
                &|_| SecretStatus::Unknown("this server cannot ask AWS".to_string()),
                &names,
            );
            return;
        };
        let query = SecretQuery {
            root: root.to_path_buf(),
            project: analysis.project.settings.name.clone(),
            stack,
            account,
            region,
            names: names.clone(),
        };
        tokio::spawn(async move {
            let answer = tokio::time::timeout(ASK_TIMEOUT, checker.check(query)).await;
            match answer {
                Ok(Ok(set)) => record(
                    &|n| {
                        if set.contains(n) {
                            SecretStatus::Set
                        } else {
                            SecretStatus::NotSet
                        }
                    },
                    &names,
                ),
                Ok(Err(why)) => record(&|_| SecretStatus::Unknown(why.clone()), &names),
                Err(_) => record(
                    &|_| SecretStatus::Unknown("AWS did not answer in time".to_string()),
                    &names,
                ),
            }
        });
    }
}
