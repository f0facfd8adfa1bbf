//! `infrac state list|show|rm|unlock`: look at a stack's state, forget a resource without
//! touching AWS, or clear a lock a crashed run left behind. Also the one place the CLI picks a state backend from `infra.toml`.

use infrac_aws::S3Backend;
use infrac_check::project::StateBackend as BackendSetting;
use infrac_check::{load_project, DiskFileSystem, Project};
use infrac_plan::names::validate_stack;
use infrac_plan::state::Status;
use infrac_state::{LocalBackend, LockInfo, Release, StateBackend, StateLock};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum StateCommand {
    /// List the resources in a stack's state: id, type, physical name, and status when a run
    /// left it pending.
    List {
        /// A project directory, or a `.infra` file (its directory is the project).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The stack whose state to read.
        #[arg(long, default_value = "dev")]
        stack: String,
    },
    /// Show one resource of a stack's state as JSON: the inputs it was last applied with and
    /// the outputs AWS gave back.
    Show {
        /// The resource's id, as `infrac state list` prints it (`media`, `ffmpeg/task-role`).
        id: String,
        /// A project directory, or a `.infra` file (its directory is the project).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, default_value = "dev")]
        stack: String,
    },
    /// Forget a resource: remove it from the stack's state without touching AWS.
    ///
    /// It stays in AWS as it is, and infrac no longer manages, updates or deletes it. If the
    /// program still declares it, the next deploy plans to create it again (and its name is
    /// taken), so remove it from the program too, or give it another name.
    Rm {
        /// The resource's id, as `infrac state list` prints it (`media`, `ffmpeg/task-role`).
        id: String,
        /// A project directory, or a `.infra` file (its directory is the project).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, default_value = "dev")]
        stack: String,
    },
    /// Clear a stack's lock left by a run that is gone (it says who held it).
    ///
    /// A lock held by a process still running on this machine is kept unless `--force`.
    Unlock {
        /// A project directory, or a `.infra` file (its directory is the project).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, default_value = "dev")]
        stack: String,
        /// Clear it even when its holder still runs here.
        #[arg(long)]
        force: bool,
    },
}

/// The backend `infra.toml` names for the project: the local folder, or S3 (credentials,
/// region and endpoint as the AWS provider finds them; `region` in `infra.toml` wins).
pub fn open_backend(project: &Project) -> Result<Box<dyn StateBackend>, String> {
    match &project.settings.state_backend {
        BackendSetting::Local => Ok(Box::new(LocalBackend::for_project(&project.root))),
        BackendSetting::S3 { bucket, prefix } => Ok(Box::new(S3Backend::connect(
            bucket,
            prefix,
            project.settings.region.as_deref(),
        )?)),
    }
}

/// Loads the project only for its settings and root; its program is not checked.
fn open(path: &std::path::Path, stack: &str) -> Result<(Project, Box<dyn StateBackend>), String> {
    validate_stack(stack)?;
    let project = load_project(&DiskFileSystem, path).map_err(|e| e.to_string())?;
    let backend = open_backend(&project)?;
    Ok((project, backend))
}

pub fn run(command: &StateCommand) -> ExitCode {
    let result = match command {
        StateCommand::List { path, stack } => list(path, stack),
        StateCommand::Show { id, path, stack } => show(id, path, stack),
        StateCommand::Rm { id, path, stack } => rm(id, path, stack),
        StateCommand::Unlock { path, stack, force } => unlock(path, stack, *force),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn list(path: &std::path::Path, stack: &str) -> Result<ExitCode, String> {
    let (_, backend) = open(path, stack)?;
    let Some(state) = backend.load(stack).map_err(|e| e.to_string())? else {
        eprintln!(
            "stack {stack} has no state ({}): it was never deployed",
            backend.location(stack)
        );
        return Ok(ExitCode::SUCCESS);
    };
    let mut resources: Vec<_> = state.resources.iter().collect();
    resources.sort_by(|a, b| a.id.cmp(&b.id));
    let id_width = resources.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let type_width = resources
        .iter()
        .map(|r| r.ty.as_str().len())
        .max()
        .unwrap_or(0);
    for r in &resources {
        let status = match r.status {
            Status::Applied => "",
            Status::PendingCreate => "  (pending create)",
            Status::PendingDelete => "  (pending delete)",
        };
        println!(
            "{:<id_width$}  {:<type_width$}  {}{status}",
            r.id,
            r.ty.as_str(),
            r.physical_id
        );
    }
    eprintln!(
        "{} resource{} in stack {stack} (serial {}, {})",
        resources.len(),
        if resources.len() == 1 { "" } else { "s" },
        state.serial,
        backend.location(stack)
    );
    Ok(ExitCode::SUCCESS)
}

fn show(id: &str, path: &std::path::Path, stack: &str) -> Result<ExitCode, String> {
    let (_, backend) = open(path, stack)?;
    let state = backend
        .load(stack)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("stack {stack} has no state: it was never deployed"))?;
    let resource = state.get(id).ok_or_else(|| {
        format!("no resource `{id}` in the state of stack {stack} (`infrac state list` shows them)")
    })?;
    let text = serde_json::to_string_pretty(resource).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Under the stack's lock, so no deploy writes the state meanwhile.
fn rm(id: &str, path: &std::path::Path, stack: &str) -> Result<ExitCode, String> {
    let (_, backend) = open(path, stack)?;
    let backend: &dyn StateBackend = backend.as_ref();
    let lock = StateLock::acquire(backend, stack, &LockInfo::current("state rm"))
        .map_err(|e| e.to_string())?;
    let mut state = backend
        .load(stack)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("stack {stack} has no state: it was never deployed"))?;
    let Some(position) = state.resources.iter().position(|r| r.id == id) else {
        return Err(format!(
            "no resource `{id}` in the state of stack {stack} (`infrac state list` shows them); nothing was removed"
        ));
    };
    let removed = state.resources.remove(position);
    let stored_serial = state.serial;
    state.serial += 1;
    backend
        .save(stack, &state, Some(stored_serial))
        .map_err(|e| e.to_string())?;
    eprintln!(
        "Removed `{id}` ({} {}) from the state of stack {stack}. It is still in AWS, and infrac \
         no longer manages it; if the program still declares it, the next deploy plans to \
         create it again.",
        removed.ty, removed.physical_id
    );
    match lock.release().map_err(|e| e.to_string())? {
        Release::Released => {}
        Release::NotOurs(_) => {
            eprintln!("warning: the stack's lock was broken while the state was written");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn unlock(path: &std::path::Path, stack: &str, force: bool) -> Result<ExitCode, String> {
    let (_, backend) = open(path, stack)?;
    let holder = backend.lock_holder(stack).map_err(|e| e.to_string())?;
    if let Some(holder) = &holder {
        if holder.holder_alive() == Some(true) && !force {
            return Err(format!(
                "stack {stack} is locked by {holder}, which is still running on this machine; stop it first, or use --force if you are sure"
            ));
        }
    }
    match backend.unlock(stack).map_err(|e| e.to_string())? {
        Some(holder) => eprintln!("unlocked stack {stack} (it was locked by {holder})"),
        None => eprintln!("stack {stack} was not locked"),
    }
    Ok(ExitCode::SUCCESS)
}
