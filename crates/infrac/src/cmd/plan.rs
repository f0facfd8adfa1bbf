//! `infrac plan`: check the program, lower it to AWS resources, compare them with the stack's
//! state, and show what a deploy would do.

use super::project::{load_and_check, report_problems};
use super::stack::Aws;
use super::state::open_backend;
use super::use_color;
use infrac_check::{DiskFileSystem, Project};
use infrac_plan::names::validate_stack;
use infrac_plan::render::{render_human, render_json};
use infrac_plan::{diff, lower_program_for, StackNames, State};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Human,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// A project directory, or a `.infra` file (its directory is the project).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The stack: one deployed copy of the project, with its own AWS names and state.
    #[arg(long, default_value = "dev")]
    pub stack: String,
    /// `human` for people (colour on a terminal, unless NO_COLOR is set); `json` for tools:
    /// one object, as docs/plan.md describes.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 0 when there is nothing to change, 2 when there is, and 1 on any error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Read the resources in state back from AWS before comparing. `--refresh=false` plans
    /// against the state as last recorded.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub refresh: bool,
}

/// Exit code of `--detailed-exitcode` when the plan has changes.
const EXIT_CHANGES: u8 = 2;

pub fn run(args: &PlanArgs) -> ExitCode {
    let fs = DiskFileSystem;
    if let Err(message) = validate_stack(&args.stack) {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let Some((project, checked)) = load_and_check(&args.path) else {
        return ExitCode::FAILURE;
    };
    // Made on first use, and shared by the secrets' check and the refresh.
    let mut aws = None;
    if let Err(message) = secrets_set(&mut aws, &project, &checked.model, args) {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let mut state = match load_state(&project, &args.stack) {
        Ok(state) => state,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    if args.refresh && !state.is_empty() {
        let refreshed = Aws::of(&mut aws, &project)
            .and_then(|aws| super::stack::refresh_for_plan(aws, &project, &args.stack, &mut state));
        if let Err(message) = refreshed {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    }
    let names = StackNames::of_state(&args.stack, &state);
    let lowered = lower_program_for(&project, &checked.model, &fs, &names);
    if !lowered.problems.is_empty() {
        report_problems(&project, &lowered.problems);
        return ExitCode::FAILURE;
    }
    let plan = diff(&lowered.graph, &state);
    let text = match args.format {
        PlanFormat::Human => render_human(&plan, use_color(&std::io::stdout())),
        PlanFormat::Json => render_json(&plan, false),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    let code = if args.detailed_exitcode && !plan.is_empty() {
        ExitCode::from(EXIT_CHANGES)
    } else {
        ExitCode::SUCCESS
    };
    super::leak_at_exit((project, checked, lowered, state, plan, text));
    code
}

/// The plan of a program that uses secrets asks SSM that each is set (a program that uses
/// none needs no AWS access for a stack never deployed).
fn secrets_set(
    aws: &mut Option<Aws>,
    project: &Project,
    model: &infrac_check::Model,
    args: &PlanArgs,
) -> Result<(), String> {
    if infrac_plan::lower::used_secrets(model).is_empty() {
        return Ok(());
    }
    let aws = Aws::of(aws, project)?;
    aws.block_on(super::stack::require_secrets_set(
        aws.provider(),
        project,
        model,
        &args.stack,
        &args.path,
    ))
}

/// The stack's state, or an empty one for a stack never deployed (which needs no AWS access).
fn load_state(project: &Project, stack: &str) -> Result<State, String> {
    let backend = open_backend(project)?;
    let name = &project.settings.name;
    match backend.load(stack).map_err(|e| e.to_string())? {
        Some(state) if state.stack != stack || &state.project != name => Err(format!(
            "{} holds the state of stack {} of {}, not of stack {stack} of {name}",
            backend.location(stack),
            state.stack,
            state.project,
        )),
        Some(state) => Ok(state),
        None => Ok(State::empty(name, stack, "")),
    }
}
