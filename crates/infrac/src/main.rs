//! `infrac`: the command line. It ties the crates together and owns everything a terminal
//! needs (arguments, colour, exit codes); the work itself is in the library crates.

mod cmd;

// Compiling allocates many small strings; mimalloc is markedly faster at that than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Describe and ship cloud apps that mix serverless functions and containers.
///
/// A project is a directory of `.infra` files (and an optional `infra.toml`). infrac checks it,
/// formats it, shows the AWS resources it needs, and deploys them.
#[derive(Parser, Debug)]
#[command(
    name = "infrac",
    version = env!("INFRAC_VERSION"),
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Start with `infrac check examples/thumbnailer`. Language reference: docs/reference.md; `infrac init` starts a project"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a project for mistakes: syntax, names, types and every AWS rule infrac knows.
    ///
    /// Exits 0 when there are no errors (warnings are allowed), 1 when there are errors, and 2
    /// when it cannot run (no such path).
    Check {
        /// A project directory, or a `.infra` file (its directory is the project).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// `human` for people (colour on a terminal, unless NO_COLOR is set), `json` for tools:
        /// one object per line.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Format `.infra` files in place (or check that they are formatted).
    ///
    /// The canonical form: two-space indents, one member per line, single spaces around `=`,
    /// comments kept. A file with syntax errors is left untouched and its errors are shown.
    Fmt {
        /// A project directory, a `.infra` file, or `-` to read stdin and write stdout.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Change nothing; exit 1 when a file is not formatted, naming it.
        #[arg(long)]
        check: bool,
    },
    /// Show the AWS resources the program needs and what a deploy of the stack would change.
    ///
    /// `+` create, `~` update, `-/+` replace, `-` delete, grouped under the declaration that
    /// causes each. A stack never deployed needs no AWS access, unless the program uses secrets:
    /// then SSM is asked whether each is set. With `--detailed-exitcode`:
    /// 0 no changes, 2 changes, 1 error; otherwise 0, or 1 on error.
    Plan(cmd::plan::PlanArgs),
    /// Deploy the program to AWS: show the plan, ask, then create, update and delete what it
    /// takes, with live progress, and print the program's outputs.
    ///
    /// The stack is locked only once you say yes. Ctrl-C (or SIGTERM) stops it gracefully:
    /// nothing new starts, the calls in flight finish, the state is saved and the lock
    /// released (exit 130, or 143). Every step is saved as it goes, so the next deploy
    /// finishes what a killed one started. `--yes` skips the question (needed when stdin is
    /// not a terminal). A stack stays in the account and region of its first deploy: other
    /// credentials are refused before anything changes.
    Deploy(cmd::deploy::DeployArgs),
    /// Delete everything a stack has deployed, in reverse dependency order.
    ///
    /// A bucket that still holds objects is only emptied with `force_destroy = true`.
    Destroy(cmd::destroy::DestroyArgs),
    /// Print the program's outputs, as the stack's state resolves them.
    Outputs(cmd::outputs::OutputsArgs),
    /// Draw the program: its declarations and triggers, or with `--resources` every planned
    /// AWS resource and its dependencies.
    Graph(cmd::graph::GraphArgs),
    /// Look at a stack's state (`list`, `show ID`), forget a resource without touching AWS
    /// (`rm ID`), or clear a stale lock (`unlock`).
    #[command(subcommand)]
    State(cmd::state::StateCommand),
    /// Adopt a resource that exists in AWS into a stack, as the program's resource ID.
    ///
    /// Only its tags change: the stack's are added, its own kept. A resource tagged for another
    /// stack is refused. The next `plan` shows what differs from the program; the next `deploy`
    /// applies it.
    Import(cmd::import::ImportArgs),
    /// Set, list or remove a stack's secrets (`secret NAME` in the program): values kept in
    /// SSM Parameter Store as SecureStrings, never in a file, plan, state or log.
    ///
    /// `infrac secret set api_key` reads the value from stdin, without echo on a terminal.
    /// `plan` and `deploy` refuse a program whose secrets are not all set, naming the command.
    #[command(subcommand)]
    Secret(cmd::secret::SecretCommand),
    /// Run the language server (LSP over stdin and stdout) for editors.
    ///
    /// Editors start it themselves: VS Code through the infrac extension, Neovim through
    /// `require("infrac").setup()`, others with `infrac lsp` as the server command.
    Lsp {
        /// Speak over stdin and stdout (the only transport, and the default). Accepted because
        /// many clients pass it.
        #[arg(long)]
        stdio: bool,
    },
    /// Explain a diagnostic code: what it means, a wrong and a fixed example, and the AWS rule
    /// behind it (`infrac explain E0206`).
    Explain {
        /// A code such as `E0206` or `W0002`, as `infrac check` prints it.
        code: String,
    },
    /// Start a project: write `infra.toml`, a commented `main.infra` and the code or Dockerfile
    /// it names. Never overwrites a file.
    Init(cmd::init::InitArgs),
    /// Print a shell completion script: `infrac completions bash > /etc/bash_completion.d/infrac`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    match cli.command {
        Command::Check { path, format } => cmd::check::run(&path, format == Format::Json),
        Command::Fmt { path, check } => cmd::fmt::run(&path, check),
        Command::Plan(args) => cmd::plan::run(&args),
        Command::Deploy(args) => cmd::deploy::run(&args),
        Command::Destroy(args) => cmd::destroy::run(&args),
        Command::Outputs(args) => cmd::outputs::run(&args),
        Command::Graph(args) => cmd::graph::run(&args),
        Command::State(command) => cmd::state::run(&command),
        Command::Import(args) => cmd::import::run(&args),
        Command::Secret(command) => cmd::secret::run(&command),
        Command::Lsp { stdio: _ } => {
            infrac_lsp::set_secret_checker(std::sync::Arc::new(cmd::secret::SsmChecker));
            run_lsp()
        }
        Command::Explain { code } => cmd::explain::run(&code),
        Command::Init(args) => cmd::init::run(&args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "infrac", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}

fn run_lsp() -> ExitCode {
    match infrac_lsp::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: the language server could not start: {err}");
            ExitCode::from(cmd::EXIT_CANNOT_RUN)
        }
    }
}

/// A command line clap cannot take exits 2, "cannot run"; `--help` and `--version` exit 0.
/// Under `plan --detailed-exitcode` 2 means "changes", so there a usage error exits 1 (an
/// error), as Terraform's does: a script never mistakes a typo for pending changes.
fn usage_error(err: &clap::Error) -> ExitCode {
    let _ = err.print();
    if !err.use_stderr() {
        return ExitCode::SUCCESS;
    }
    if std::env::args_os().any(|arg| arg == "--detailed-exitcode") {
        ExitCode::FAILURE
    } else {
        ExitCode::from(cmd::EXIT_CANNOT_RUN)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
