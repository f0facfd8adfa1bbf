//! `infrac deploy`: check the program, lock the stack, read what is deployed back from AWS,
//! show the plan, ask, and carry it out with live progress (one line per resource, redrawn in
//! place on a terminal); then a summary and the program's outputs.

use super::project::{load_and_check, report_problems};
use super::stack::{
    apply_with_progress, confirm, load_state, lock_for_apply, not_locked, print_outputs,
    print_report, provider, quiet_engine, refresh, release_lock, require_secrets_set,
    resolved_outputs, runtime,
};
use super::state::open_backend;
use super::use_color;
use infrac_check::{DiskFileSystem, Model, Project};
use infrac_deploy::DEFAULT_PARALLELISM;
use infrac_plan::names::validate_stack;
use infrac_plan::render::render_human;
use infrac_plan::{diff, lower_outputs, lower_program_for, StackNames};
use infrac_state::StateBackend;
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Go on when AWS has none of the stack's resources (without it, that is refused: it is
    /// far more often the wrong credentials or region than the truth).
    #[arg(long)]
    pub yes_everything_is_gone: bool,
}

/// `--parallelism`: a whole number from 1 to 256.
pub fn parse_parallelism(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("`{text}` is not a number from 1 to 256")),
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
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(deploy(args, &project, &checked.model)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn deploy(args: &DeployArgs, project: &Project, model: &Model) -> Result<ExitCode, String> {
    let provider = provider(project).await;
    require_secrets_set(&provider, project, model, &args.stack, &args.path).await?;
    let backend = open_backend(project)?;
    let backend: &dyn StateBackend = backend.as_ref();
    not_locked(backend, &args.stack)?;
    let location = backend.location(&args.stack);
    let quiet = quiet_engine(&provider, backend, &args.stack, args.yes_everything_is_gone);
    let mut loaded = load_state(&quiet, &project.settings.name, &args.stack, &location)?;
    refresh(&quiet, &mut loaded.state).await?;
    // The names of this stack instance: loading gave a new stack its instance id.
    let names = StackNames::of_state(&args.stack, &loaded.state);
    let lowered = lower_program_for(project, model, &DiskFileSystem, &names);
    if !lowered.problems.is_empty() {
        report_problems(project, &lowered.problems);
        return Ok(ExitCode::FAILURE);
    }
    let outputs = lower_outputs(project, model, &DiskFileSystem, &names);
    let outputs = &outputs;
    let plan = diff(&lowered.graph, &loaded.state);
    print!("{}", render_human(&plan, use_color(&std::io::stdout())));
    if plan.is_empty() {
        print_outputs(&resolved_outputs(outputs, &loaded.state));
        return Ok(ExitCode::SUCCESS);
    }
    let question = format!("\nDeploy these changes to stack {}?", args.stack);
    if !confirm(&question, args.yes, "deploying")? {
        eprintln!("Nothing was changed.");
        return Ok(ExitCode::FAILURE);
    }
    let lock = lock_for_apply(backend, &args.stack, "deploy", loaded.stored_serial)?;
    eprintln!();
    let applied = apply_with_progress(
        provider,
        backend,
        &args.stack,
        args.parallelism,
        loaded,
        &plan,
    )
    .await?;
    print_report(&applied.report, "Deployed", applied.elapsed);
    print_outputs(&resolved_outputs(outputs, &applied.report.state));
    release_lock(lock)?;
    Ok(applied.exit_code())
}
