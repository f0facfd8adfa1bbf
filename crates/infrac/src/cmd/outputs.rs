//! `infrac outputs`: the program's outputs, resolved against what the stack's state holds.

use super::project::load_and_check;
use super::stack::{known_of, print_outputs};
use super::state::open_backend;
use infrac_check::DiskFileSystem;
use infrac_plan::names::validate_stack;
use infrac_plan::State;
use infrac_plan::{lower_outputs, StackNames};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct OutputsArgs {
    /// A project directory, or a `.infra` file (its directory is the project).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long, default_value = "dev")]
    pub stack: String,
    /// Print one JSON object (`{"name": value}`; `null` for what is not deployed).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &OutputsArgs) -> ExitCode {
    if let Err(message) = validate_stack(&args.stack) {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let Some((project, checked)) = load_and_check(&args.path) else {
        return ExitCode::FAILURE;
    };
    let state = match open_backend(&project)
        .and_then(|b| b.load(&args.stack).map_err(|e| e.to_string()))
    {
        Ok(state) => state.unwrap_or_else(|| State::empty(&project.settings.name, &args.stack, "")),
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let names = StackNames::of_state(&args.stack, &state);
    let outputs = lower_outputs(&project, &checked.model, &DiskFileSystem, &names);
    let resolved = infrac_deploy::resolve_outputs(&outputs, &known_of(&state));
    if args.json {
        let map: Map<String, Value> = resolved
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or(Value::Null)))
            .collect();
        println!("{}", Value::Object(map));
    } else if resolved.is_empty() {
        eprintln!("{} declares no outputs", project.settings.name);
    } else {
        print_outputs(&resolved);
    }
    ExitCode::SUCCESS
}
