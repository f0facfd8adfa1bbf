//! `infrac init`: writes a small project that checks clean (`infra.toml`, a `main.infra` with
//! doc comments, and the function code or Dockerfile it names), never overwriting a file, and
//! prints the commands to run next.

use super::EXIT_CANNOT_RUN;
use clap::{Args, ValueEnum};
use infrac_check::project::sanitize_name;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The folder to create the project in; created when missing. Its name names the project.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// What the project starts as.
    #[arg(long, value_enum, default_value_t = Template::Thumbnailer)]
    pub template: Template,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// A bucket, a Fargate task (ffmpeg, from a Dockerfile) and a Lambda function, wired by
    /// uploads: the running example.
    Thumbnailer,
    /// A Lambda function (Node.js) that runs for every upload to a bucket.
    Function,
    /// A web app that keeps running: an ECS service on Fargate behind a load balancer, built
    /// from a Dockerfile, scaling between one and three copies.
    Service,
    /// A container job on Fargate, built from a Dockerfile, run every hour by a schedule.
    Job,
}

/// One file a template writes.
struct TemplateFile {
    path: &'static str,
    text: &'static str,
}

macro_rules! file {
    ($template:literal, $path:literal) => {
        TemplateFile {
            path: $path,
            text: include_str!(concat!("../../templates/", $template, "/", $path)),
        }
    };
}

fn template_files(template: Template) -> &'static [TemplateFile] {
    match template {
        Template::Thumbnailer => &[
            file!("thumbnailer", "main.infra"),
            file!("thumbnailer", "ffmpeg/Dockerfile"),
            file!("thumbnailer", "ffmpeg/grab-frame.sh"),
            file!("thumbnailer", "on-new-video/index.js"),
            file!("thumbnailer", "on-thumbnail/index.js"),
        ],
        Template::Function => &[
            file!("function", "main.infra"),
            file!("function", "handler/index.js"),
        ],
        Template::Service => &[
            file!("service", "main.infra"),
            file!("service", "app/Dockerfile"),
            file!("service", "app/server.py"),
        ],
        Template::Job => &[
            file!("job", "main.infra"),
            file!("job", "app/Dockerfile"),
            file!("job", "app/run.sh"),
        ],
    }
}

/// `infra.toml` for a project in `dir`: its name, the default region chain, local state.
fn settings(name: &str) -> String {
    format!(
        "# The project's name becomes part of every AWS name it creates.\n\
         name = \"{name}\"\n\
         # region = \"us-east-1\"   # default: the AWS SDK's own region chain (AWS_REGION, ~/.aws/config)\n\
         \n\
         [state]\n\
         # Where deploys record what they created: \"local\" (.infrac/ in this folder) or \"s3://BUCKET/PREFIX\".\n\
         backend = \"local\"\n"
    )
}

/// The name `dir` gives a project, as `infrac check` derives it.
fn project_name(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    // `demo/.` and `demo/` name `demo`.
    let name = absolute
        .components()
        .rev()
        .find_map(|c| match c {
            std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            _ => None,
        })
        .unwrap_or_default();
    sanitize_name(&name)
}

pub fn run(args: &InitArgs) -> ExitCode {
    let dir = &args.dir;
    let name = project_name(dir);
    let toml = settings(&name);
    let mut files: Vec<(&str, &str, bool)> = vec![("infra.toml", toml.as_str(), false)];
    files.extend(
        template_files(args.template)
            .iter()
            // Scripts go into images as they are, so they are written executable.
            .map(|f| {
                (
                    f.path,
                    f.text,
                    Path::new(f.path).extension().is_some_and(|e| e == "sh"),
                )
            }),
    );

    if dir.exists() && !dir.is_dir() {
        eprintln!(
            "error: {} is a file; infrac init needs a folder (it creates one that is missing)",
            shown(dir)
        );
        return ExitCode::from(EXIT_CANNOT_RUN);
    }
    // Refuse before writing anything, so a refused init leaves the folder as it was.
    let existing: Vec<&str> = files
        .iter()
        .map(|(path, _, _)| *path)
        .filter(|path| dir.join(path).exists())
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "error: {} already holds {}; infrac init never overwrites files (pick another folder, or move them away)",
            shown(dir),
            existing.join(", ")
        );
        return ExitCode::from(EXIT_CANNOT_RUN);
    }
    if has_infra_files(dir) {
        eprintln!(
            "error: {} already holds .infra files, which would become part of the new project; pick another folder",
            shown(dir)
        );
        return ExitCode::from(EXIT_CANNOT_RUN);
    }
    for (path, text, executable) in &files {
        if let Err(err) = write_new(&dir.join(path), text, *executable) {
            eprintln!("error: cannot write {}: {err}", dir.join(path).display());
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    }

    let target = shown(dir);
    let arg = if target == "." {
        String::new()
    } else {
        format!(" {target}")
    };
    println!(
        "Created the {} project `{name}` in {target}:",
        template_name(args.template)
    );
    for (path, _, _) in &files {
        println!("  {path}");
    }
    println!();
    println!("Next:");
    println!("  infrac check{arg}     # find mistakes (no AWS access needed)");
    println!("  infrac plan{arg}      # the AWS resources a deploy would create");
    println!("  infrac deploy{arg}    # create them (uses your AWS credentials)");
    ExitCode::SUCCESS
}

fn template_name(template: Template) -> &'static str {
    match template {
        Template::Thumbnailer => "thumbnailer",
        Template::Function => "function",
        Template::Service => "service",
        Template::Job => "job",
    }
}

fn shown(dir: &Path) -> String {
    let text = dir.display().to_string();
    let trimmed = text.trim_end_matches('/');
    if trimmed.is_empty() {
        text
    } else {
        trimmed.to_string()
    }
}

fn has_infra_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "infra"))
    })
}

/// Writes a file that must not exist yet (`create_new`, so a file appearing meanwhile is not
/// overwritten either).
fn write_new(path: &Path, text: &str, executable: bool) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if executable { 0o755 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = executable;
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_names_the_project() {
        assert_eq!(project_name(Path::new("/tmp/My Demo")), "my-demo");
        assert_eq!(project_name(Path::new("/tmp/demo/.")), "demo");
        assert_eq!(project_name(Path::new("/tmp/demo/")), "demo");
    }
}
