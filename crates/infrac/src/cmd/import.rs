//! `infrac import ID AWS-NAME`: adopt a resource that exists in AWS into a stack, as the
//! program's resource `ID`. Only its tags change (the stack's are added, its own kept); the
//! next `plan` shows what differs from the program, and the next `deploy` applies that.

use super::project::{load_and_check, report_problems};
use super::stack::{
    load_state, lock_for_apply, not_locked, provider, quiet_engine, release_lock, runtime,
};
use super::state::open_backend;
use infrac_check::DiskFileSystem;
use infrac_deploy::not_importable;
use infrac_plan::names::validate_stack;
use infrac_plan::{lower_program_for, StackNames};
use infrac_state::StateBackend;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The program's resource to import as: its id, as `infrac plan` shows it (`media`,
    /// `on_thumbnail/role`, `on_thumbnail/logs`).
    pub id: String,
    /// The resource's name in AWS. For a bucket, any name (it keeps it); for the other types,
    /// the name the plan shows for `ID` (AWS cannot rename them).
    pub aws_name: String,
    /// A project directory, or a `.infra` file (its directory is the project).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The stack to import into.
    #[arg(long, default_value = "dev")]
    pub stack: String,
}

pub fn run(args: &ImportArgs) -> ExitCode {
    match import(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn import(args: &ImportArgs) -> Result<ExitCode, String> {
    validate_stack(&args.stack)?;
    let Some((project, checked)) = load_and_check(&args.path) else {
        return Ok(ExitCode::FAILURE);
    };
    let stack = args.stack.as_str();
    runtime()?.block_on(async {
        let provider = provider(&project).await;
        let backend = open_backend(&project)?;
        let backend: &dyn StateBackend = backend.as_ref();
        not_locked(backend, stack)?;
        let location = backend.location(stack);
        let engine = quiet_engine(&provider, backend, stack, false);
        let mut loaded = load_state(&engine, &project.settings.name, stack, &location)?;
        let names = StackNames::of_state(stack, &loaded.state);
        let lowered = lower_program_for(&project, &checked.model, &DiskFileSystem, &names);
        if !lowered.problems.is_empty() {
            report_problems(&project, &lowered.problems);
            return Ok(ExitCode::FAILURE);
        }
        let Some(node) = lowered.graph.get(&args.id) else {
            let ids: Vec<&str> = lowered
                .graph
                .nodes()
                .iter()
                .filter(|n| not_importable(n.ty).is_none())
                .map(|n| n.id.as_str())
                .collect();
            return Err(format!(
                "the program has no resource `{}`; the ids that can be imported are: {}",
                args.id,
                if ids.is_empty() {
                    "(none)".to_string()
                } else {
                    ids.join(", ")
                }
            ));
        };
        let lock = lock_for_apply(backend, stack, "import", loaded.stored_serial)?;
        let imported = match engine.import(&mut loaded.state, node, &args.aws_name).await {
            Ok(imported) => imported,
            Err(message) => {
                release_lock(lock)?;
                return Err(message);
            }
        };
        loaded.state.serial += 1;
        let saved = backend
            .save(stack, &loaded.state, loaded.stored_serial)
            .map_err(|e| e.to_string());
        release_lock(lock)?;
        saved?;
        let tagged = if imported.tagged {
            format!(
                "tagged it for stack {stack} of {} (its other tags are kept)",
                project.settings.name
            )
        } else {
            "it carried this stack's tags already".to_string()
        };
        eprintln!(
            "Imported `{}` ({} {}) into stack {stack}: {tagged}.",
            args.id, node.ty, args.aws_name
        );
        if !imported.unknown.is_empty() {
            eprintln!(
                "AWS does not say what it has for {}: the next deploy sets them as the program says.",
                imported.unknown.join(", ")
            );
        }
        eprintln!("Run `infrac plan` to see what differs from the program.");
        Ok(ExitCode::SUCCESS)
    })
}
