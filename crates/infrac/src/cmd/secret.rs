//! `infrac secret set|list|rm`: a stack's secrets in SSM Parameter Store. A value is read from
//! stdin (without echo on a terminal), sent to SSM, and never printed, logged or kept.

use super::project::load_and_check;
use super::stack::{provider, runtime};
use infrac_aws::ssm::{Removed, SecretStore, SecretValue};
use infrac_check::model::Model;
use infrac_check::suggest::did_you_mean;
use infrac_check::Project;
use infrac_plan::names::validate_stack;
use infrac_syntax::ast::ResourceKind;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum SecretCommand {
    /// Set a secret's value in a stack, read from stdin (typed without echo on a terminal,
    /// or piped: `printf %s "$KEY" | infrac secret set api_key`). One trailing newline is
    /// dropped. The value is stored as an SSM `SecureString` named `/PROJECT/STACK/NAME`.
    Set {
        /// The secret, as the program declares it (`secret api_key`).
        name: String,
        /// A project directory, or a `.infra` file (its directory is the project).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The stack whose secret it is.
        #[arg(long, default_value = "dev")]
        stack: String,
    },
    /// List the program's secrets and whether each is set in the stack (never a value), and
    /// any set in the stack that the program no longer declares.
    List {
        /// A project directory, or a `.infra` file (its directory is the project).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, default_value = "dev")]
        stack: String,
    },
    /// Delete a secret's value from the stack.
    Rm {
        /// The secret's name.
        name: String,
        /// A project directory, or a `.infra` file (its directory is the project).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, default_value = "dev")]
        stack: String,
    },
}

pub fn run(command: &SecretCommand) -> ExitCode {
    match run_command(command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_command(command: &SecretCommand) -> Result<ExitCode, String> {
    let (path, stack) = match command {
        SecretCommand::Set { path, stack, .. }
        | SecretCommand::List { path, stack }
        | SecretCommand::Rm { path, stack, .. } => (path, stack),
    };
    validate_stack(stack)?;
    let Some((project, checked)) = load_and_check(path) else {
        return Ok(ExitCode::FAILURE);
    };
    let declared = declared_secrets(&checked.model);
    match command {
        SecretCommand::Set { name, .. } => {
            require_declared(name, &declared, &project)?;
            let value = read_value(name)?;
            let rt = runtime()?;
            rt.block_on(async {
                let store = store(&project, stack).await;
                store.put(name, &value).await.map_err(|e| e.to_string())?;
                drop(value);
                eprintln!(
                    "Set secret {name} of stack {stack} ({}).",
                    store.parameter_name(name)
                );
                Ok(ExitCode::SUCCESS)
            })
        }
        SecretCommand::List { .. } => {
            let rt = runtime()?;
            rt.block_on(async {
                let store = store(&project, stack).await;
                let names: Vec<&str> = declared.iter().map(String::as_str).collect();
                let set = store.which_are_set(&names).await.map_err(|e| e.to_string())?;
                let all = store.all_set().await.map_err(|e| e.to_string())?;
                let mut out = String::new();
                if declared.is_empty() && all.is_empty() {
                    out.push_str(&format!(
                        "{} declares no secrets, and stack {stack} holds none.\n",
                        project.settings.name
                    ));
                }
                for name in &declared {
                    let status = if set.contains(name) { "set" } else { "not set" };
                    out.push_str(&format!(
                        "{name:<24} {status:<8} {}\n",
                        store.parameter_name(name)
                    ));
                }
                for name in all.iter().filter(|n| !declared.contains(n)) {
                    out.push_str(&format!(
                        "{name:<24} {:<8} {} (not declared by the program; `infrac secret rm {name}` deletes it)\n",
                        "set",
                        store.parameter_name(name)
                    ));
                }
                let mut stdout = std::io::stdout().lock();
                stdout
                    .write_all(out.as_bytes())
                    .and_then(|()| stdout.flush())
                    .map_err(|e| e.to_string())?;
                Ok(ExitCode::SUCCESS)
            })
        }
        SecretCommand::Rm { name, .. } => {
            let rt = runtime()?;
            rt.block_on(async {
                let store = store(&project, stack).await;
                match store.remove(name).await.map_err(|e| e.to_string())? {
                    Removed::Removed => {
                        eprintln!("Removed secret {name} from stack {stack}.");
                        Ok(ExitCode::SUCCESS)
                    }
                    Removed::NotSet => Err(format!(
                        "secret {name} is not set in stack {stack} ({}); nothing was removed",
                        store.parameter_name(name)
                    )),
                }
            })
        }
    }
}

async fn store(project: &Project, stack: &str) -> SecretStore {
    let provider = provider(project).await;
    SecretStore::new(&provider.clients, &project.settings.name, stack)
}

/// The secrets the program declares, sorted.
fn declared_secrets(model: &Model) -> Vec<String> {
    let mut names: Vec<String> = model
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Secret)
        .map(|r| r.name.to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A secret the program does not declare is most likely a typo: setting it would make a
/// parameter nothing reads.
fn require_declared(name: &str, declared: &[String], project: &Project) -> Result<(), String> {
    if declared.iter().any(|d| d == name) {
        return Ok(());
    }
    let mut message = format!("{} declares no secret `{name}`", project.settings.name);
    if let Some(s) = did_you_mean(name, declared.iter().map(String::as_str)) {
        message.push_str(&format!("; did you mean `{s}`?"));
    } else if declared.is_empty() {
        message.push_str(&format!(
            "; declare it first (`secret {name}` in a .infra file)"
        ));
    } else {
        let list: Vec<String> = declared.iter().map(|d| format!("`{d}`")).collect();
        message.push_str(&format!("; it declares {}", list.join(", ")));
    }
    Err(message)
}

/// The value from stdin: typed without echo on a terminal, or everything piped in, less one
/// trailing newline.
fn read_value(name: &str) -> Result<SecretValue, String> {
    let stdin = std::io::stdin();
    let mut text = String::new();
    if stdin.is_terminal() {
        // Echo goes off before the prompt shows, so nothing typed after it is ever echoed.
        let echo = terminal::EchoOff::new();
        eprint!("Value of secret {name} (not shown): ");
        let _ = std::io::stderr().flush();
        let read = stdin.read_line(&mut text);
        drop(echo);
        eprintln!();
        read.map_err(|e| format!("cannot read the value: {e}"))?;
    } else {
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the value from stdin: {e}"))?;
    }
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    SecretValue::new(text).ok_or_else(|| {
        format!("the value of secret {name} is empty; SSM keeps no empty value (to delete it: `infrac secret rm {name}`)")
    })
}

#[cfg(unix)]
mod terminal {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions, Termios};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// Echo switched off on the terminal on stdin until dropped. Ctrl-C (or SIGTERM) while it
    /// is off puts the terminal back before the process ends with 130 (or 143): a user who
    /// gives up typing a secret does not get a terminal that echoes nothing.
    pub struct EchoOff {
        saved: Option<Termios>,
        reading: Arc<AtomicBool>,
    }

    impl EchoOff {
        pub fn new() -> EchoOff {
            let reading = Arc::new(AtomicBool::new(false));
            let stdin = std::io::stdin();
            let Ok(saved) = tcgetattr(&stdin) else {
                return EchoOff {
                    saved: None,
                    reading,
                };
            };
            if !restore_on_signal(saved.clone(), reading.clone()) {
                // Without a way to put the terminal back, it is left echoing.
                return EchoOff {
                    saved: None,
                    reading,
                };
            }
            let mut quiet = saved.clone();
            quiet.local_modes.remove(LocalModes::ECHO);
            if tcsetattr(&stdin, OptionalActions::Now, &quiet).is_err() {
                return EchoOff {
                    saved: None,
                    reading,
                };
            }
            reading.store(true, Ordering::SeqCst);
            EchoOff {
                saved: Some(saved),
                reading,
            }
        }
    }

    impl Drop for EchoOff {
        fn drop(&mut self) {
            self.reading.store(false, Ordering::SeqCst);
            if let Some(saved) = self.saved.take() {
                let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &saved);
            }
        }
    }

    /// Handles SIGINT and SIGTERM from now on: while `reading`, the terminal gets `saved`
    /// back, and the process ends as a signal would end it. `false` when the handlers could
    /// not be set up.
    fn restore_on_signal(saved: Termios, reading: Arc<AtomicBool>) -> bool {
        use tokio::signal::unix::{signal, SignalKind};
        let (ready, is_ready) = std::sync::mpsc::channel::<bool>();
        let spawned = std::thread::Builder::new()
            .name("infrac-secret-signals".to_string())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    let _ = ready.send(false);
                    return;
                };
                rt.block_on(async move {
                    let (Ok(mut interrupt), Ok(mut terminate)) = (
                        signal(SignalKind::interrupt()),
                        signal(SignalKind::terminate()),
                    ) else {
                        let _ = ready.send(false);
                        return;
                    };
                    let _ = ready.send(true);
                    let code = tokio::select! {
                        _ = interrupt.recv() => 130,
                        _ = terminate.recv() => 143,
                    };
                    if reading.load(Ordering::SeqCst) {
                        let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &saved);
                        eprintln!("\nNothing was set.");
                    }
                    std::process::exit(code);
                });
            });
        spawned.is_ok()
            && is_ready
                .recv_timeout(std::time::Duration::from_secs(5))
                .unwrap_or(false)
    }
}

#[cfg(not(unix))]
mod terminal {
    /// Elsewhere the terminal is left as it is; pipe the value in to keep it off the screen.
    pub struct EchoOff;

    impl EchoOff {
        pub fn new() -> EchoOff {
            EchoOff
        }
    }
}

/// How `infrac lsp` tells hover whether a secret is set: SSM asked by name, with the caller's
/// credentials, only when they are for the account the stack's state records.
pub struct SsmChecker;

impl infrac_lsp::SecretChecker for SsmChecker {
    fn check(
        &self,
        query: infrac_lsp::SecretQuery,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<std::collections::BTreeSet<String>, String>>
                + Send,
        >,
    > {
        Box::pin(async move {
            let config = infrac_aws::load_sdk_config(Some(&query.region)).await;
            let provider =
                infrac_aws::AwsProvider::new(infrac_aws::Clients::new(&config), query.root.clone());
            let account = provider
                .account_id()
                .await
                .map_err(|e| format!("AWS could not be asked ({e})"))?;
            if account != query.account {
                return Err(format!(
                    "your credentials are for account {account}, and stack `{}` lives in account {}",
                    query.stack, query.account
                ));
            }
            let store = SecretStore::new(&provider.clients, &query.project, &query.stack);
            let names: Vec<&str> = query.names.iter().map(String::as_str).collect();
            store
                .which_are_set(&names)
                .await
                .map_err(|e| format!("AWS could not be asked ({e})"))
        })
    }
}
