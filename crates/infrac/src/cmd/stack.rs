//! What `deploy`, `destroy`, `plan --refresh` and `outputs` share once a program is checked:
//! the async runtime, the AWS provider, the stack's state read back from AWS, the confirmation
//! prompt, applying with the live view, and the report and outputs printed at the end.

use super::live::ProgressView;
use super::state::open_backend;
use infrac_aws::{AwsProvider, Clients};
use infrac_check::Project;
use infrac_deploy::{ApplyReport, Engine, Known, Loaded, Options, Phase};
use infrac_plan::{Action, Plan, State};
use infrac_state::StateBackend;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
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

/// The provider of a project, from the standard AWS configuration chain and the project's
/// region.
pub async fn provider(project: &Project) -> Arc<AwsProvider> {
    let config = infrac_aws::load_sdk_config(project.settings.region.as_deref()).await;
    Arc::new(AwsProvider::new(
        Clients::new(&config),
        project.root.clone(),
    ))
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

/// Refreshes, saying so when anything changed behind the state's back.
pub async fn refresh(engine: &Engine<'_, AwsProvider>, state: &mut State) -> Result<(), String> {
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

/// Applies `plan` with the live progress view: the report, and the seconds it took.
pub async fn apply_with_progress(
    provider: Arc<AwsProvider>,
    backend: &dyn StateBackend,
    stack: &str,
    parallelism: usize,
    loaded: Loaded,
    plan: &Plan,
) -> Result<(ApplyReport, f64), String> {
    let mut view = ProgressView::new(plan);
    let engine = Engine::new(
        provider,
        backend,
        stack,
        Options {
            parallelism,
            progress: view.progress(),
        },
    );
    let start = Instant::now();
    let report = engine.apply(loaded, plan).await;
    view.finish();
    Ok((
        report.map_err(|e| e.to_string())?,
        start.elapsed().as_secs_f64(),
    ))
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
    eprintln!(
        "\nerror: stopped before the end; the state is saved, and a new run continues from here."
    );
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
/// stored state is not written).
pub fn refresh_for_plan(project: &Project, stack: &str, state: &mut State) -> Result<(), String> {
    runtime()?.block_on(async {
        let provider = provider(project).await;
        let backend = open_backend(project)?;
        let engine = Engine::new(provider, backend.as_ref(), stack, Options::default());
        refresh(&engine, state).await
    })
}

/// The state, as `Known` outputs for other commands.
pub fn known_of(state: &State) -> Known {
    Engine::<AwsProvider>::known(state, HashMap::new())
}
