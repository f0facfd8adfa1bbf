//! `infrac graph`: the program as a picture, its declarations and triggers, or every AWS
//! resource it plans with their dependencies; mermaid (renders on GitHub) or dot (Graphviz).

use super::project::{load_and_check, report_problems};
use infrac_check::DiskFileSystem;
use infrac_plan::graph_view::{render_declarations, render_resources, GraphFormat};
use infrac_plan::lower_program;
use infrac_plan::names::validate_stack;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormatArg {
    Mermaid,
    Dot,
}

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// A project directory, or a `.infra` file (its directory is the project).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// `mermaid` (paste into Markdown on GitHub) or `dot` (`| dot -Tsvg > graph.svg`).
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Mermaid)]
    pub format: GraphFormatArg,
    /// Draw every planned AWS resource and what it depends on, instead of the declarations.
    #[arg(long)]
    pub resources: bool,
    /// The stack whose resources to draw (with `--resources`).
    #[arg(long, default_value = "dev")]
    pub stack: String,
}

pub fn run(args: &GraphArgs) -> ExitCode {
    let format = match args.format {
        GraphFormatArg::Mermaid => GraphFormat::Mermaid,
        GraphFormatArg::Dot => GraphFormat::Dot,
    };
    if let Err(message) = validate_stack(&args.stack) {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let Some((project, checked)) = load_and_check(&args.path) else {
        return ExitCode::FAILURE;
    };
    let text = if args.resources {
        let lowered = lower_program(&project, &checked.model, &DiskFileSystem, &args.stack);
        if !lowered.problems.is_empty() {
            report_problems(&project, &lowered.problems);
            return ExitCode::FAILURE;
        }
        render_resources(&lowered.graph, format)
    } else {
        render_declarations(&checked.model, format)
    };
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
