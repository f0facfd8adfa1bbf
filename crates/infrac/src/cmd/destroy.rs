//! `infrac destroy`: delete everything in a stack's state, in reverse dependency order. A
//! bucket that still holds objects is emptied only with `force_destroy = true`; otherwise
//! destroy stops before deleting anything and says so.

use super::deploy::parse_parallelism;
use super::stack::{
    apply_with_progress, confirm, load_state, lock_for_apply, not_locked, print_report, provider,
    quiet_engine, refresh, release_lock, runtime,
};
use super::state::open_backend;
use super::use_color;
use infrac_check::{load_project, DiskFileSystem};
use infrac_deploy::{destroy_plan, DEFAULT_PARALLELISM};
use infrac_plan::names::validate_stack;
use infrac_plan::render::render_human;
use infrac_state::StateBackend;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct DestroyArgs {
    /// A project directory, or a `.infra` file (its directory is the project).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The stack to destroy.
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

pub fn run(args: &DestroyArgs) -> ExitCode {
    let result = (|| -> Result<ExitCode, String> {
        validate_stack(&args.stack)?;
        // The program need not be valid to destroy what its state holds.
        let project = load_project(&DiskFileSystem, &args.path).map_err(|e| e.to_string())?;
        runtime()?.block_on(async {
            let provider = provider(&project).await;
            let backend = open_backend(&project)?;
            let backend: &dyn StateBackend = backend.as_ref();
            not_locked(backend, &args.stack)?;
            let location = backend.location(&args.stack);
            let quiet = quiet_engine(&provider, backend, &args.stack, args.yes_everything_is_gone);
            let name = project.settings.name.clone();
            let mut loaded = load_state(&quiet, &name, &args.stack, &location)?;
            if loaded.state.resources.is_empty() {
                eprintln!("Stack {} of {name} has nothing deployed.", args.stack);
                return Ok(ExitCode::SUCCESS);
            }
            refresh(&quiet, &mut loaded.state).await?;
            let plan = destroy_plan(&loaded.state);
            print!("{}", render_human(&plan, use_color(&std::io::stdout())));
            let question = format!(
                "\nDestroy all {} resources of stack {}?",
                plan.steps.len(),
                args.stack
            );
            if !plan.is_empty() && !confirm(&question, args.yes, "destroying")? {
                eprintln!("Nothing was changed.");
                return Ok(ExitCode::FAILURE);
            }
            let lock = lock_for_apply(backend, &args.stack, "destroy", loaded.stored_serial)?;
            let applied = apply_with_progress(
                provider,
                backend,
                &args.stack,
                args.parallelism,
                loaded,
                &plan,
            )
            .await?;
            print_report(&applied.report, "Destroyed", applied.elapsed);
            release_lock(lock)?;
            Ok(applied.exit_code())
        })
    })();
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
