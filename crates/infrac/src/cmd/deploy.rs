//! `infrac deploy`: check the program, lock the stack, read what is deployed back from AWS,
//! show the plan, ask, and carry it out with live progress (one line per resource, redrawn in
//! place on a terminal); then a summary and the program's outputs. The machinery `destroy` and
//! `outputs` share is here too.

use super::plan::{load_and_check, report_problems};
use super::state::open_backend;
use super::use_color;
use infrac_aws::{AwsProvider, Clients};
use infrac_check::{DiskFileSystem, Project};
use infrac_deploy::progress::{plain_line, Board, Size as ProgressSize};
use infrac_deploy::{
    ApplyReport, Engine, Event, Known, Loaded, Options, Phase, Progress, DEFAULT_PARALLELISM,
};
use infrac_plan::names::validate_stack;
use infrac_plan::render::render_human;
use infrac_plan::{diff, lower_outputs, lower_program, Action, Plan, ResourceType, State};
use infrac_state::{LockInfo, StateBackend, StateLock};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    /// A project directory, or a `.infra` file (its directory is the project).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The stack: one deployed copy of the project, with its own AWS names and state.
    #[arg(long, default_value = "dev")]
    pub stack: String,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// How many resources to work on at once.
    #[arg(long, default_value_t = DEFAULT_PARALLELISM, value_parser = parse_parallelism)]
    pub parallelism: usize,
}

/// `--parallelism`: a whole number from 1 to 256.
pub fn parse_parallelism(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("`{text}` is not a number from 1 to 256")),
    }
}

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

/// How a run shows its progress: on a terminal (stderr, where progress goes, unless
/// `TERM=dumb`), one live line per resource redrawn in place; elsewhere one plain line as
/// each resource starts and ends. Colour follows `use_color` (never with `NO_COLOR`).
pub struct ProgressView {
    progress: Progress,
    live: Option<Arc<Live>>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl ProgressView {
    pub fn new(plan: &Plan) -> ProgressView {
        let stderr = std::io::stderr();
        let color = use_color(&stderr);
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if !stderr.is_terminal() || dumb {
            return ProgressView {
                progress: plain_printer(plan, color),
                live: None,
                ticker: None,
            };
        }
        let board = Board::new(plan.steps.iter().map(|s| (s.id.as_str(), s.ty)));
        let live = Arc::new(Live {
            inner: Mutex::new(LiveInner {
                board,
                drawn: 0,
                origin: Instant::now(),
                color,
            }),
            stop: AtomicBool::new(false),
        });
        live.redraw();
        let ticking = Arc::clone(&live);
        let ticker = std::thread::spawn(move || {
            while !ticking.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                ticking.redraw();
            }
        });
        let events = Arc::clone(&live);
        ProgressView {
            progress: Arc::new(move |event: &Event| {
                {
                    let mut inner = events.inner();
                    let at = inner.origin.elapsed();
                    inner.board.apply(event, at);
                }
                events.redraw();
            }),
            live: Some(live),
            ticker: Some(ticker),
        }
    }

    /// What the engine reports to.
    pub fn progress(&self) -> Progress {
        Arc::clone(&self.progress)
    }

    /// Stops redrawing and leaves the last frame on screen.
    pub fn finish(&mut self) {
        if let Some(live) = &self.live {
            live.stop.store(true, Ordering::SeqCst);
            if let Some(ticker) = self.ticker.take() {
                let _ = ticker.join();
            }
            live.redraw();
        }
        self.live = None;
    }
}

impl Drop for ProgressView {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The live board and how many of its lines are on screen below the cursor's line.
pub struct Live {
    inner: Mutex<LiveInner>,
    stop: AtomicBool,
}

struct LiveInner {
    board: Board,
    drawn: usize,
    origin: Instant,
    color: bool,
}

impl Live {
    fn inner(&self) -> std::sync::MutexGuard<'_, LiveInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the cursor back over the live lines and writes the frame in their place.
    fn redraw(&self) {
        let mut inner = self.inner();
        // A terminal that does not say its size (0 x 0, as some PTYs do) gets the classic one.
        let size = terminal_size::terminal_size_of(std::io::stderr())
            .filter(|(w, h)| w.0 > 0 && h.0 > 0)
            .map_or(ProgressSize { rows: 24, cols: 80 }, |(w, h)| ProgressSize {
                rows: usize::from(h.0),
                cols: usize::from(w.0),
            });
        let now = inner.origin.elapsed();
        let color = inner.color;
        let frame = inner.board.frame(now, size, color);
        let mut out = String::new();
        if inner.drawn > 0 {
            out.push_str(&format!("\r\x1b[{}A", inner.drawn));
        }
        for line in frame.commit.iter().chain(&frame.live) {
            out.push_str("\x1b[2K");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("\x1b[J");
        inner.drawn = frame.live.len();
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(out.as_bytes());
        let _ = stderr.flush();
    }
}

/// Prints the engine's events: one line per resource as it starts and as it ends.
fn plain_printer(plan: &Plan, color: bool) -> Progress {
    let types: HashMap<String, ResourceType> =
        plan.steps.iter().map(|s| (s.id.clone(), s.ty)).collect();
    let lock = Arc::new(Mutex::new(()));
    Arc::new(move |event: &Event| {
        let _guard = lock.lock();
        let id = match event {
            Event::Started { id, .. }
            | Event::Done { id, .. }
            | Event::Failed { id, .. }
            | Event::Waiting { id, .. }
            | Event::Refreshed { id, .. } => id,
        };
        let ty = types.get(id).map_or("", |t| t.as_str());
        if let Some(line) = plain_line(event, ty, color) {
            eprintln!("{line}");
        }
    })
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

/// The end of a run: what was done, and (on failure) what failed and what is left.
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

pub fn run(args: &DeployArgs) -> ExitCode {
    if let Err(message) = validate_stack(&args.stack) {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let Some((project, checked)) = load_and_check(&args.path) else {
        return ExitCode::FAILURE;
    };
    let fs = DiskFileSystem;
    let lowered = lower_program(&project, &checked.model, &fs, &args.stack);
    if !lowered.problems.is_empty() {
        report_problems(&project, &lowered.problems);
        return ExitCode::FAILURE;
    }
    let outputs = lower_outputs(&project, &checked.model, &fs, &args.stack);
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(deploy(args, &project, &lowered.graph, &outputs)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn deploy(
    args: &DeployArgs,
    project: &Project,
    graph: &infrac_plan::ResourceGraph,
    outputs: &[(String, Value)],
) -> Result<ExitCode, String> {
    let provider = provider(project).await;
    let backend = open_backend(project)?;
    let backend: &dyn StateBackend = backend.as_ref();
    let lock = StateLock::acquire(backend, &args.stack, &LockInfo::current("deploy"))
        .map_err(|e| e.to_string())?;
    let location = backend.location(&args.stack);
    let quiet = Engine::new(
        Arc::clone(&provider),
        backend,
        &args.stack,
        Options::default(),
    );
    let mut loaded = load_state(&quiet, &graph.project, &args.stack, &location)?;
    refresh(&quiet, &mut loaded.state).await?;
    let plan = diff(graph, &loaded.state);
    print!("{}", render_human(&plan, use_color(&std::io::stdout())));
    if plan.is_empty() {
        print_outputs(&resolved_outputs(outputs, &loaded.state));
        lock.release().map_err(|e| e.to_string())?;
        return Ok(ExitCode::SUCCESS);
    }
    let question = format!("\nDeploy these changes to stack {}?", args.stack);
    if !confirm(&question, args.yes, "deploying")? {
        eprintln!("Nothing was changed.");
        lock.release().map_err(|e| e.to_string())?;
        return Ok(ExitCode::FAILURE);
    }
    eprintln!();
    let (report, elapsed) = apply_with_progress(
        provider,
        backend,
        &args.stack,
        args.parallelism,
        loaded,
        &plan,
    )
    .await?;
    print_report(&report, "Deployed", elapsed);
    print_outputs(&resolved_outputs(outputs, &report.state));
    lock.release().map_err(|e| e.to_string())?;
    Ok(if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
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
