//! What `deploy`, `destroy`, `plan --refresh` and `outputs` share once a program is checked:
//! the async runtime, the AWS provider, the stack's state read back from AWS, the confirmation
//! prompt, applying with the live view, and the report and outputs printed at the end.

use super::live::ProgressView;
use super::state::open_backend;
use infrac_aws::{AwsProvider, Clients};
use infrac_check::Project;
use infrac_deploy::{ApplyReport, Engine, Known, Loaded, Options, Phase};
use infrac_plan::{Action, Plan, State};
use infrac_state::{LockInfo, Release, StateBackend, StateError, StateLock};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// A tokio runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// A runtime and a provider, for a command that asks AWS more than one thing outside a deploy
/// (`plan`: whether its secrets are set, then the state read back): making a provider reads the
/// AWS configuration, and its credentials (a profile's SSO or role, say) are resolved on its
/// first call and kept, so one provider asks for them once.
pub struct Aws {
    runtime: tokio::runtime::Runtime,
    provider: Arc<AwsProvider>,
}

impl Aws {
    /// The one of `slot`, made on first use.
    pub fn of<'a>(slot: &'a mut Option<Aws>, project: &Project) -> Result<&'a Aws, String> {
        if let Some(aws) = slot {
            return Ok(aws);
        }
        let runtime = runtime()?;
        let provider = runtime.block_on(provider(project));
        Ok(slot.insert(Aws { runtime, provider }))
    }

    pub fn provider(&self) -> &AwsProvider {
        &self.provider
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// The provider of a project, from the standard AWS configuration chain and the project's
/// region.
pub async fn provider(project: &Project) -> Arc<AwsProvider> {
    let config = infrac_aws::load_sdk_config(project.settings.region.as_deref()).await;
    Arc::new(AwsProvider::new(
        Clients::new(&config),
        project.root.clone(),
    ))
}

/// Refuses, before anything changes, a program that uses a secret the stack has no value for,
/// saying the command that sets each. Asks SSM by name only (no value is ever read). `path`
/// is the project as the user gave it, for the command printed.
pub async fn require_secrets_set(
    provider: &AwsProvider,
    project: &Project,
    model: &infrac_check::Model,
    stack: &str,
    path: &std::path::Path,
) -> Result<(), String> {
    let used = infrac_plan::lower::used_secrets(model);
    if used.is_empty() {
        return Ok(());
    }
    let store = infrac_aws::ssm::SecretStore::new(&provider.clients, &project.settings.name, stack);
    let names: Vec<&str> = used.iter().map(String::as_str).collect();
    let set = store.which_are_set(&names).await.map_err(|e| {
        format!(
            "the program uses secrets ({}), and infrac asks SSM whether stack {stack} has their values before it plans; it could not: {e}",
            names.join(", ")
        )
    })?;
    let missing: Vec<&str> = names.into_iter().filter(|n| !set.contains(*n)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let place = if path == std::path::Path::new(".") {
        String::new()
    } else {
        format!(" {}", path.display())
    };
    let mut message = format!(
        "stack {stack} has no value for {} the program uses; nothing was changed. Set {}:",
        if missing.len() == 1 {
            format!("the secret `{}`", missing[0])
        } else {
            format!("{} secrets", missing.len())
        },
        if missing.len() == 1 { "it" } else { "each" }
    );
    for name in &missing {
        message.push_str(&format!(
            "\n  infrac secret set {name}{place} --stack {stack}"
        ));
    }
    Err(message)
}

/// Asks on the terminal; without one, only `--yes` goes ahead.
pub fn confirm(question: &str, yes: bool, verb: &str) -> Result<bool, String> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "not {verb} without confirmation: stdin is not a terminal, so pass --yes to go ahead unattended"
        ));
    }
    eprint!("{question} Only `yes` goes ahead: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    Ok(answer.trim() == "yes")
}

/// Loads the stack's state, checking it is this project's.
pub fn load_state(
    engine: &Engine<'_, AwsProvider>,
    project: &str,
    stack: &str,
    location: &str,
) -> Result<Loaded, String> {
    let loaded = engine.load(project).map_err(|e| e.to_string())?;
    if !loaded.state.resources.is_empty()
        && (loaded.state.project != project || loaded.state.stack != stack)
    {
        return Err(format!(
            "{location} holds the state of stack {} of {}, not of stack {stack} of {project}",
            loaded.state.stack, loaded.state.project
        ));
    }
    Ok(loaded)
}

/// The engine `deploy`, `destroy` and `plan` read the stack with before anything changes:
/// no progress view, and `--yes-everything-is-gone` as given.
pub fn quiet_engine<'b>(
    provider: &Arc<AwsProvider>,
    backend: &'b dyn StateBackend,
    stack: &str,
    everything_gone_ok: bool,
) -> Engine<'b, AwsProvider> {
    Engine::new(
        Arc::clone(provider),
        backend,
        stack,
        Options {
            everything_gone_ok,
            ..Options::default()
        },
    )
}

/// Checks that the caller's credentials are for the account and region the stack lives in
/// (recording them for a stack that has none yet), then refreshes, saying so when anything
/// changed behind the state's back. A stack with nothing recorded and nothing deployed needs
/// no AWS access.
pub async fn refresh(engine: &Engine<'_, AwsProvider>, state: &mut State) -> Result<(), String> {
    if state.resources.is_empty() && state.account.is_none() && state.region.is_none() {
        return Ok(());
    }
    engine.check_home(state).await.map_err(|e| e.to_string())?;
    if state.resources.is_empty() {
        return Ok(());
    }
    eprintln!(
        "Reading {} resource{} back from AWS...",
        state.resources.len(),
        if state.resources.len() == 1 { "" } else { "s" }
    );
    let outcomes = engine.refresh(state).await.map_err(|e| e.to_string())?;
    for (id, outcome) in outcomes {
        match outcome {
            infrac_deploy::Refreshed::Gone => {
                eprintln!("  {id} was deleted outside infrac; it will be created again");
            }
            infrac_deploy::Refreshed::Drifted(keys) => {
                eprintln!("  {id} was changed outside infrac ({})", keys.join(", "));
            }
            infrac_deploy::Refreshed::Unchanged => {}
        }
    }
    Ok(())
}

/// What an apply came to.
pub struct Applied {
    pub report: ApplyReport,
    /// Seconds it took.
    pub elapsed: f64,
    /// The signal that asked it to stop (2 for SIGINT, 15 for SIGTERM), if one did.
    pub signal: Option<u8>,
}

impl Applied {
    /// 0 when it all went, 130 or 143 after Ctrl-C or SIGTERM, 1 otherwise.
    pub fn exit_code(&self) -> ExitCode {
        match self.signal {
            Some(signal) => ExitCode::from(128 + signal),
            None if self.report.succeeded() => ExitCode::SUCCESS,
            None => ExitCode::FAILURE,
        }
    }
}

/// Applies `plan` with the live progress view. Ctrl-C or SIGTERM stops it gracefully: nothing
/// new starts, the calls in flight finish and are recorded, the state is saved; a second one
/// quits at once (what was in flight stays pending, and the next run adopts it).
pub async fn apply_with_progress(
    provider: Arc<AwsProvider>,
    backend: &dyn StateBackend,
    stack: &str,
    parallelism: usize,
    loaded: Loaded,
    plan: &Plan,
) -> Result<Applied, String> {
    let mut view = ProgressView::new(plan);
    provider.set_progress(view.progress());
    let stop = Arc::new(AtomicBool::new(false));
    let signal = Arc::new(AtomicU8::new(0));
    let watcher = tokio::spawn(watch_signals(Arc::clone(&stop), Arc::clone(&signal)));
    let engine = Engine::new(
        provider,
        backend,
        stack,
        Options {
            parallelism,
            progress: view.progress(),
            stop,
            ..Options::default()
        },
    );
    let start = Instant::now();
    let report = engine.apply(loaded, plan).await;
    watcher.abort();
    view.finish();
    let signal = Some(signal.load(Ordering::SeqCst)).filter(|s| *s != 0);
    Ok(Applied {
        report: report.map_err(|e| e.to_string())?,
        elapsed: start.elapsed().as_secs_f64(),
        signal,
    })
}

/// Waits for SIGINT or SIGTERM: the first sets `stop` (and records which signal), a second
/// ends the process at once.
async fn watch_signals(stop: Arc<AtomicBool>, signal: Arc<AtomicU8>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal as on, SignalKind};
        let (Ok(mut interrupt), Ok(mut terminate)) =
            (on(SignalKind::interrupt()), on(SignalKind::terminate()))
        else {
            return;
        };
        loop {
            let number: u8 = tokio::select! {
                _ = interrupt.recv() => 2,
                _ = terminate.recv() => 15,
            };
            if stop.swap(true, Ordering::SeqCst) {
                eprintln!(
                    "\nStopped at once. What was in flight stays pending in the state and the next \
                     run adopts it; the stack's lock is left (`infrac state unlock` breaks it)."
                );
                std::process::exit(128 + i32::from(number));
            }
            signal.store(number, Ordering::SeqCst);
            eprintln!(
                "\nInterrupted: finishing the calls in flight and saving the state \
                 (interrupt again to quit at once)..."
            );
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.store(true, Ordering::SeqCst);
            signal.store(2, Ordering::SeqCst);
        }
    }
}

/// The end of a run: what was done, and (on failure) what failed and what is left.
pub fn print_report(report: &ApplyReport, verb: &str, elapsed: f64) {
    let count = |a: Action| report.done.iter().filter(|(_, x)| *x == a).count();
    if report.succeeded() {
        eprintln!(
            "\n{verb}: {} created, {} updated, {} replaced, {} deleted in {elapsed:.1}s.",
            count(Action::Create),
            count(Action::Update),
            count(Action::Replace),
            count(Action::Delete)
        );
        return;
    }
    if report.interrupted {
        eprintln!(
            "\nInterrupted: stopped after the calls in flight; the state is saved, and a new run \
             continues from here."
        );
    } else {
        eprintln!(
            "\nerror: stopped before the end; the state is saved, and a new run continues from here."
        );
    }
    for failure in &report.failed {
        let phase = match failure.phase {
            Phase::Creating | Phase::Adopting => "creating",
            other => other.as_str(),
        };
        eprintln!(
            "  failed: {phase} `{}` ({}): {}",
            failure.id, failure.ty, failure.message
        );
    }
    if let Some(err) = &report.state_error {
        eprintln!("  the state could not be saved: {err}");
    }
    eprintln!(
        "  done: {} step{} ({} created, {} updated, {} replaced, {} deleted)",
        report.done.len(),
        if report.done.len() == 1 { "" } else { "s" },
        count(Action::Create),
        count(Action::Update),
        count(Action::Replace),
        count(Action::Delete)
    );
    if !report.left.is_empty() {
        let ids: Vec<&str> = report.left.iter().map(|(id, _)| id.as_str()).collect();
        eprintln!(
            "  left: {} step{} not started: {}",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            ids.join(", ")
        );
    }
}

/// The program's outputs, resolved against the state; `None` values are not deployed.
pub fn resolved_outputs(
    outputs: &[(String, Value)],
    state: &State,
) -> Vec<(String, Option<Value>)> {
    let known = Engine::<AwsProvider>::known(state, HashMap::new());
    infrac_deploy::resolve_outputs(outputs, &known)
}

pub fn print_outputs(outputs: &[(String, Option<Value>)]) {
    if outputs.is_empty() {
        return;
    }
    println!("\nOutputs:");
    for (name, value) in outputs {
        match value {
            Some(Value::String(s)) => println!("  {name} = {s}"),
            Some(other) => println!("  {name} = {other}"),
            None => println!("  {name} = (not deployed)"),
        }
    }
}

/// `infrac plan`'s refresh: reads the state's resources back from AWS (in memory only; the
/// stored state is not written). Finding every resource gone is shown, with a warning, since
/// a plan saves nothing; `deploy` and `destroy` refuse it.
pub fn refresh_for_plan(
    aws: &Aws,
    project: &Project,
    stack: &str,
    state: &mut State,
) -> Result<(), String> {
    aws.runtime.block_on(async {
        let backend = open_backend(project)?;
        let engine = quiet_engine(&aws.provider, backend.as_ref(), stack, true);
        let before = state.resources.len();
        refresh(&engine, state).await?;
        if before > 0 && state.resources.is_empty() {
            eprintln!(
                "warning: none of the {before} resources of stack {stack} was found: this is far \
                 more often the wrong credentials or region than the truth; `deploy` and \
                 `destroy` refuse to go on without --yes-everything-is-gone"
            );
        }
        Ok(())
    })
}

/// The state, as `Known` outputs for other commands.
pub fn known_of(state: &State) -> Known {
    Engine::<AwsProvider>::known(state, HashMap::new())
}

/// Fails at once when another run holds the stack's lock, before any planning: the lock itself
/// is only taken once the user has said yes ([`lock_for_apply`]).
pub fn not_locked(backend: &dyn StateBackend, stack: &str) -> Result<(), String> {
    match backend.lock_holder(stack).map_err(|e| e.to_string())? {
        None => Ok(()),
        Some(holder) => Err(StateError::Locked {
            location: backend.lock_location(stack),
            holder: Some(Box::new(holder)),
        }
        .to_string()),
    }
}

/// Takes the stack's lock once the user has said yes, then checks that the stored state is
/// still the one the plan was made from: another run may have deployed while the question was
/// on screen, and its changes are not in this plan.
pub fn lock_for_apply<'b>(
    backend: &'b dyn StateBackend,
    stack: &str,
    operation: &str,
    planned_serial: Option<u64>,
) -> Result<StateLock<'b>, String> {
    let lock = StateLock::acquire(backend, stack, &LockInfo::current(operation))
        .map_err(|e| e.to_string())?;
    let stored = backend.load(stack).map_err(|e| e.to_string())?;
    let stored_serial = stored.map(|s| s.serial);
    if stored_serial != planned_serial {
        release_lock(lock)?;
        return Err(format!(
            "the state of stack {stack} changed after this plan was made (another run wrote it); \
             nothing was changed: run the command again to see the new plan"
        ));
    }
    Ok(lock)
}

/// Releases a run's lock, saying so when it had been broken meanwhile (and leaving the next
/// holder's lock alone).
pub fn release_lock(lock: StateLock<'_>) -> Result<(), String> {
    match lock.release().map_err(|e| e.to_string())? {
        Release::Released => {}
        Release::NotOurs(holder) => eprintln!(
            "warning: this run's lock was broken while it ran (`infrac state unlock`){}",
            holder.map_or_else(String::new, |h| format!("; {h} holds the lock now"))
        ),
    }
    Ok(())
}
