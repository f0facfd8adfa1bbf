//! What each diagnostic code means, once: a paragraph, a program that produces the code, the
//! same program fixed, and the AWS rule behind it with a link to AWS's documentation. `infrac
//! explain CODE` prints it, `docs/reference.md` is generated from it (see [`crate::reference`]),
//! and the language server can point a diagnostic at it ([`Explanation::anchor`]).
//!
//! A test checks every example: the wrong one must produce its code, the fixed one must check
//! clean. Examples are checked in a project folder that also holds `src/index.js` (function
//! code) and `app/Dockerfile` (a container build), so `code = "./src"` and `build = "./app"`
//! exist; outside it, `/opt/shared` holds an `index.js`.

use crate::check::check_project_at;
use crate::date::Date;
use crate::project::{build_project, FileSystem};
use infrac_syntax::{Code, Diagnostic};
use std::io;
use std::path::{Path, PathBuf};

/// Which file an example is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExampleFile {
    /// `main.infra`.
    Program,
    /// `infra.toml`, next to a `main.infra` holding [`TOML_EXAMPLE_PROGRAM`].
    Settings,
}

/// `docs/reference.md` in the repository named by the workspace's `Cargo.toml`.
pub const REFERENCE_URL: &str =
    concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/reference.md");

/// The program beside an `infra.toml` example.
pub const TOML_EXAMPLE_PROGRAM: &str = "bucket media {}\n";

#[derive(Debug)]
pub struct Explanation {
    pub code: Code,
    /// What the code means and how to fix it, in plain sentences (Markdown).
    pub meaning: &'static str,
    pub file: ExampleFile,
    /// An example that produces the code.
    pub wrong: &'static str,
    /// The same example, fixed: it checks clean.
    pub fixed: &'static str,
    /// The AWS rule behind the code, when AWS is why it is a mistake.
    pub aws_rule: Option<&'static str>,
    /// AWS's documentation of that rule.
    pub link: Option<&'static str>,
}

impl Explanation {
    /// The heading anchor of this code in `docs/reference.md` (`e0206`).
    pub fn anchor(&self) -> String {
        self.code.as_str().to_ascii_lowercase()
    }

    /// Where the code is explained on the web: the reference in the repository, at the code's
    /// anchor. What an editor shows as the diagnostic's code description (LSP
    /// `codeDescription.href`).
    pub fn reference_url(&self) -> String {
        format!("{REFERENCE_URL}#{}", self.anchor())
    }

    fn file_name(&self) -> &'static str {
        match self.file {
            ExampleFile::Program => "main.infra",
            ExampleFile::Settings => "infra.toml",
        }
    }

    /// The explanation as `infrac explain` prints it.
    pub fn to_text(&self) -> String {
        let code = self.code;
        let mut out = format!(
            "{code} ({}): {}\n\n{}",
            code.severity().as_str(),
            code.summary(),
            wrap(self.meaning)
        );
        if let Some(rule) = self.aws_rule {
            out.push_str(&format!("\n{}", wrap(&format!("The AWS rule: {rule}"))));
        }
        if let Some(link) = self.link {
            out.push_str(&format!("See {link}\n"));
        }
        let file = self.file_name();
        out.push_str(&format!(
            "\nFor example, this {file} gives {code}:\n\n{}\nFixed:\n\n{}",
            indent(self.wrong),
            indent(self.fixed)
        ));
        out
    }

    /// The explanation as a section of `docs/reference.md`.
    pub fn to_markdown(&self) -> String {
        let code = self.code;
        let lang = match self.file {
            ExampleFile::Program => "infra",
            ExampleFile::Settings => "toml",
        };
        let mut out = format!(
            "<a id=\"{}\"></a>\n\n### {code}: {}\n\n*{}.* {}\n",
            self.anchor(),
            code.summary(),
            code.severity().as_str(),
            self.meaning
        );
        if let Some(rule) = self.aws_rule {
            out.push_str(&format!("\nThe AWS rule: {rule}"));
            if let Some(link) = self.link {
                out.push_str(&format!(" ([AWS documentation]({link}))"));
            }
            out.push('\n');
        }
        out.push_str(&format!(
            "\nWrong:\n\n```{lang}\n{}```\n\nFixed:\n\n```{lang}\n{}```\n",
            self.wrong, self.fixed
        ));
        out
    }

    /// Checks an example (the wrong or the fixed one) as `infrac check` would on `today`, in a
    /// project folder that holds `src/index.js` and `app/Dockerfile`.
    pub fn check_example(&self, example: &str, today: Date) -> Vec<Diagnostic> {
        let root = PathBuf::from("/example");
        let (program, toml) = match self.file {
            ExampleFile::Program => (example, None),
            ExampleFile::Settings => (TOML_EXAMPLE_PROGRAM, Some(example)),
        };
        let project = build_project(
            root.clone(),
            vec![(root.join("main.infra"), program.as_bytes().to_vec())],
            toml.map(|t| (root.join("infra.toml"), t.as_bytes().to_vec())),
        );
        check_project_at(&project, &ExampleFolder, today).diagnostics
    }
}

/// Breaks a paragraph into lines of at most 88 columns (a word longer than that keeps its own
/// line), for a terminal.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let width = word.chars().count();
        if line > 0 && line + 1 + width > 88 {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += width;
    }
    out.push('\n');
    out
}

fn indent(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The folder examples are checked in: their own file plus the assets they name.
struct ExampleFolder;

impl FileSystem for ExampleFolder {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            path.display().to_string(),
        ))
    }

    fn list_dir(&self, _dir: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(Vec::new())
    }

    fn is_file(&self, path: &Path) -> bool {
        path == Path::new("/example/src/index.js")
            || path == Path::new("/example/app/Dockerfile")
            || path == Path::new("/opt/shared/index.js")
    }

    fn is_dir(&self, path: &Path) -> bool {
        path == Path::new("/example")
            || path == Path::new("/example/src")
            || path == Path::new("/example/app")
            || path == Path::new("/opt/shared")
    }
}

static W0004: Explanation = Explanation {
    code: Code::W0004,
    meaning: "A function's `code` or a task's `build` names a path outside the project folder \
(the folder of `infra.toml`, or of the files checked). It works: deploy zips or builds it as \
usual. But the project no longer holds everything it ships, so a clone of the project alone \
cannot deploy it, and nothing in the project says what that folder holds. Move the code into \
the project. (A warning: the program still deploys.)",
    file: ExampleFile::Program,
    wrong: "bucket media {}\nfunction thumbs {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"/opt/shared\"\n}\nmedia.on_put(\".jpg\") -> function thumbs\n",
    fixed: "bucket media {}\nfunction thumbs {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nmedia.on_put(\".jpg\") -> function thumbs\n",
    aws_rule: None,
    link: None,
};

/// The explanation of `code`. Every code has one: the match is exhaustive.
pub fn explain(code: Code) -> &'static Explanation {
    match code {
        Code::E0001 => &E0001,
        Code::E0002 => &E0002,
        Code::E0003 => &E0003,
        Code::E0101 => &E0101,
        Code::E0102 => &E0102,
        Code::E0103 => &E0103,
        Code::E0104 => &E0104,
        Code::E0201 => &E0201,
        Code::E0202 => &E0202,
        Code::E0203 => &E0203,
        Code::E0204 => &E0204,
        Code::E0205 => &E0205,
        Code::E0206 => &E0206,
        Code::E0207 => &E0207,
        Code::E0208 => &E0208,
        Code::E0209 => &E0209,
        Code::E0210 => &E0210,
        Code::E0301 => &E0301,
        Code::E0302 => &E0302,
        Code::E0303 => &E0303,
        Code::E0304 => &E0304,
        Code::E0305 => &E0305,
        Code::E0306 => &E0306,
        Code::E0401 => &E0401,
        Code::E0402 => &E0402,
        Code::W0001 => &W0001,
        Code::W0002 => &W0002,
        Code::W0003 => &W0003,
        Code::W0004 => &W0004,
    }
}

/// Every explanation, in the order of the codes.
pub fn all() -> impl Iterator<Item = &'static Explanation> {
    Code::ALL.iter().map(|&c| explain(c))
}

const LAMBDA_LIMITS: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html";
const LAMBDA_RUNTIMES: &str = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html";
const S3_FILTERS: &str =
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html";

static E0001: Explanation = Explanation {
    code: Code::E0001,
    meaning: "The parser met a token it did not expect, or missed one it needed: an attribute \
without a value, a `}` that never comes, a trigger without `->`. It reports the first problem \
and goes on, so the rest of the file is still checked; fix the first one first.",
    file: ExampleFile::Program,
    wrong: "bucket media {\n  versioning =\n}\n",
    fixed: "bucket media {\n  versioning = true\n}\n",
    aws_rule: None,
    link: None,
};

static E0002: Explanation = Explanation {
    code: Code::E0002,
    meaning: "A token itself is malformed: a string without its closing `\"` on the same line, \
an unknown escape, a character the language does not use, a number too large, or a unit infrac \
does not know. Durations take `s`, `m`, `h`, `d` and sizes take `MB`, `GB`, exactly so \
(`512mb` and `500ms` are mistakes).",
    file: ExampleFile::Program,
    wrong: "bucket media {\n  expire_after = 30days\n}\n",
    fixed: "bucket media {\n  expire_after = 30d\n}\n",
    aws_rule: None,
    link: None,
};

static E0003: Explanation = Explanation {
    code: Code::E0003,
    meaning: "`infra.toml` has a key infrac does not know, a project name that is not lower-case \
letters, digits and `-`, or a state backend that is neither `\"local\"` nor `\"s3://bucket/prefix\"`. \
The project name becomes part of every AWS name, which is why it is restricted.",
    file: ExampleFile::Settings,
    wrong: "name = \"Thumbnailer\"\n",
    fixed: "name = \"thumbnailer\"\n",
    aws_rule: Some("S3 bucket names (which include the project name) are lower case."),
    link: Some("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"),
};

static E0101: Explanation = Explanation {
    code: Code::E0101,
    meaning: "A declaration starts with a word that is not a resource kind. The kinds are \
`bucket`, `function`, `task`, `schedule` and `service`; the help line suggests the nearest one.",
    file: ExampleFile::Program,
    wrong: "buckt media {}\n",
    fixed: "bucket media {}\n",
    aws_rule: None,
    link: None,
};

static E0102: Explanation = Explanation {
    code: Code::E0102,
    meaning: "Two declarations have the same name. Resources and `let`s share one namespace \
across all `.infra` files of the project (outputs have their own), because a name is how \
other declarations refer to them. The label points at the first declaration.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\nbucket media {\n  versioning = true\n}\n",
    fixed: "bucket media {}\nbucket archive {\n  versioning = true\n}\n",
    aws_rule: None,
    link: None,
};

static E0103: Explanation = Explanation {
    code: Code::E0103,
    meaning: "A name is used that no file of the project declares (often a typo: the help line \
suggests the nearest declared name), or a `let` is defined in terms of itself.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\noutput bucket_name = medai.name\n",
    fixed: "bucket media {}\noutput bucket_name = media.name\n",
    aws_rule: None,
    link: None,
};

static E0104: Explanation = Explanation {
    code: Code::E0104,
    meaning: "A name refers to a resource of another kind than the place needs: `reads` takes \
a bucket or a secret, `writes` a bucket, `runs` a task and `invokes` a function, and a \
trigger's `-> function` or `-> task` must name a resource of that kind. A service keeps running \
on its own, so no trigger can target it.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\nmedia.on_put() -> function resize\n",
    fixed: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\nmedia.on_put() -> task resize\n",
    aws_rule: None,
    link: None,
};

static E0201: Explanation = Explanation {
    code: Code::E0201,
    meaning: "An attribute (or a value such as `media.nme`) that this kind does not have. Each \
kind's attributes are listed in the reference; the help line suggests the nearest one.",
    file: ExampleFile::Program,
    wrong: "bucket media {\n  versionning = true\n}\n",
    fixed: "bucket media {\n  versioning = true\n}\n",
    aws_rule: None,
    link: None,
};

static E0202: Explanation = Explanation {
    code: Code::E0202,
    meaning: "A required attribute is missing. A function needs `runtime` and `code`, and \
`handler` unless its runtime is one of the `provided.*` ones.",
    file: ExampleFile::Program,
    wrong: "schedule nightly {\n  cron = \"0 3 * * *\"\n}\nfunction cleanup {\n  runtime = \"nodejs24.x\"\n  code = \"./src\"\n}\nnightly.on_tick() -> function cleanup\n",
    fixed: "schedule nightly {\n  cron = \"0 3 * * *\"\n}\nfunction cleanup {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nnightly.on_tick() -> function cleanup\n",
    aws_rule: Some("Lambda needs a handler for every runtime except the OS-only ones."),
    link: Some("https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"),
};

static E0203: Explanation = Explanation {
    code: Code::E0203,
    meaning: "A value of the wrong type: a size written as a bare number or a string, a \
duration without its unit, a number where `env` needs a string. Sizes carry `MB` or `GB` and \
durations `s`, `m`, `h` or `d`, so that `memory = 512` cannot mean bytes by accident.",
    file: ExampleFile::Program,
    wrong: "task resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n  memory = 512\n}\nschedule hourly {\n  every = 1h\n}\nhourly.on_tick() -> task resize\n",
    fixed: "task resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n  memory = 512MB\n}\nschedule hourly {\n  every = 1h\n}\nhourly.on_tick() -> task resize\n",
    aws_rule: None,
    link: None,
};

static E0204: Explanation = Explanation {
    code: Code::E0204,
    meaning: "A value outside what AWS accepts: a function's memory (128MB to 10GB) or \
timeout (1s to 15m), a task's cpu or storage, an `arch` other than `\"x86_64\"` and \
`\"arm64\"`, a bucket's `expire_after` that is not whole days, or a Lambda runtime that does \
not exist or that AWS no longer creates functions with (its \"block function create\" date \
has passed; see the runtime table). The message names the accepted values.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\nfunction on_upload {\n  runtime = \"nodejs20.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  timeout = 20m\n}\nmedia.on_put() -> function on_upload\n",
    fixed: "bucket media {}\nfunction on_upload {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  timeout = 15m\n}\nmedia.on_put() -> function on_upload\n",
    aws_rule: Some("Lambda functions run at most 900 seconds with 128 to 10,240 MB of memory, and Lambda refuses to create a function with a runtime past its \"block function create\" date."),
    link: Some(LAMBDA_LIMITS),
};

static E0205: Explanation = Explanation {
    code: Code::E0205,
    meaning: "Exactly one of two attributes must be set, and here both or neither are. A task \
runs an existing `image` or one it `build`s from a folder holding a Dockerfile; a schedule \
ticks by `cron` or `every`.",
    file: ExampleFile::Program,
    wrong: "schedule nightly {}\ntask report {\n  build = \"./app\"\n}\nnightly.on_tick() -> task report\n",
    fixed: "schedule nightly {\n  cron = \"0 3 * * *\"\n}\ntask report {\n  build = \"./app\"\n}\nnightly.on_tick() -> task report\n",
    aws_rule: Some("An EventBridge rule has one schedule expression, either `cron(...)` or `rate(...)`."),
    link: Some("https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html"),
};

static E0206: Explanation = Explanation {
    code: Code::E0206,
    meaning: "Fargate runs a task only with certain combinations of `cpu` and `memory`, and \
this is not one of them. The help line lists the memory values the task's cpu accepts; a task \
without `memory` has 512MB, which only `cpu = 256` accepts. The reference has the whole table.",
    file: ExampleFile::Program,
    wrong: "task ffmpeg {\n  build = \"./app\"\n  cpu = 1024\n  memory = 512MB\n}\nschedule nightly {\n  cron = \"0 3 * * *\"\n}\nnightly.on_tick() -> task ffmpeg\n",
    fixed: "task ffmpeg {\n  build = \"./app\"\n  cpu = 1024\n  memory = 2GB\n}\nschedule nightly {\n  cron = \"0 3 * * *\"\n}\nnightly.on_tick() -> task ffmpeg\n",
    aws_rule: Some("A Fargate task's memory must be one of the values its CPU allows: 0.25 vCPU takes 512MB to 2GB, 1 vCPU takes 2GB to 8GB, and so on up to 16 vCPU with 32GB to 120GB."),
    link: Some("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_size"),
};

static E0207: Explanation = Explanation {
    code: Code::E0207,
    meaning: "An attribute is set twice in one block, or a key twice in one map. Only one value \
can win, so infrac asks you to keep one. The label points at the first.",
    file: ExampleFile::Program,
    wrong: "bucket media {\n  versioning = true\n  versioning = false\n}\n",
    fixed: "bucket media {\n  versioning = true\n}\n",
    aws_rule: None,
    link: None,
};

static E0208: Explanation = Explanation {
    code: Code::E0208,
    meaning: "An attribute is set that only means something together with another one, and \
that other one is not set. A service's `target_cpu` is the average CPU that scaling holds by \
running between `min` and `max` tasks; without `min` and `max` the service runs a fixed \
`count` of tasks and nothing would read `target_cpu`. Add `min` and `max`, or remove \
`target_cpu`.",
    file: ExampleFile::Program,
    wrong: "service web {\n  image = \"public.ecr.aws/nginx/nginx:1.27\"\n  target_cpu = 60\n}\n",
    fixed: "service web {\n  image = \"public.ecr.aws/nginx/nginx:1.27\"\n  min = 1\n  max = 4\n  target_cpu = 60\n}\n",
    aws_rule: Some("Application Auto Scaling's target tracking policy adjusts an ECS service's desired count between the scalable target's minimum and maximum capacity."),
    link: Some("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html"),
};

static E0209: Explanation = Explanation {
    code: Code::E0209,
    meaning: "An `env` key that an access also sets. `runs T` adds `T_CLUSTER`, \
`T_TASK_DEFINITION`, `T_CONTAINER`, `T_SUBNETS` and `T_SECURITY_GROUPS` (with `T` the task's \
name in upper case), and `invokes F` adds `F_FUNCTION`: the values the code needs to start the \
task or call the function. Setting one of them yourself would hide the real value; rename your \
key, or drop it and use the one the access sets.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\ntask ffmpeg {\n  build = \"./app\"\n}\nfunction start {\n  runtime = \"nodejs22.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  env = { FFMPEG_CLUSTER = \"default\" }\n  runs ffmpeg\n}\nmedia.on_put() -> function start\n",
    fixed: "bucket media {}\ntask ffmpeg {\n  build = \"./app\"\n}\nfunction start {\n  runtime = \"nodejs22.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  runs ffmpeg\n}\nmedia.on_put() -> function start\n",
    aws_rule: None,
    link: None,
};

static E0210: Explanation = Explanation {
    code: Code::E0210,
    meaning: "A secret's value (`NAME.value`) where it would be stored or shown in plain text. \
Only a task's `env` may take it, as a whole value: it becomes an ECS `secrets` entry that ECS \
reads from Parameter Store when the container starts, so the value is in no task definition, \
plan or state. A function's environment is stored in plain text by Lambda: give the function \
`reads NAME`, pass it `NAME.name` (the parameter's name) and read the value in code with SSM's \
`GetParameter` (`WithDecryption`). A string interpolation, an output, a trigger's `env` or any \
other attribute would keep the value in plain text too.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\nsecret api_key\nfunction notify {\n  runtime = \"nodejs22.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  env = { API_KEY = api_key.value }\n}\nmedia.on_put() -> function notify\n",
    fixed: "bucket media {}\nsecret api_key\nfunction notify {\n  runtime = \"nodejs22.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n  env = { API_KEY_PARAMETER = api_key.name }\n  reads api_key\n}\nmedia.on_put() -> function notify\n",
    aws_rule: Some("Lambda stores environment variables in plain text (encrypted at rest, readable by anyone who may read the function's configuration); ECS task definitions too, except `secrets` entries."),
    link: Some("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html"),
};

static E0301: Explanation = Explanation {
    code: Code::E0301,
    meaning: "A trigger names an event its source does not have. Buckets have `on_put` and \
`on_delete`, schedules have `on_tick`; functions and tasks have no events.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\nmedia.on_upload() -> task resize\n",
    fixed: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\nmedia.on_put() -> task resize\n",
    aws_rule: None,
    link: None,
};

static E0302: Explanation = Explanation {
    code: Code::E0302,
    meaning: "A key pattern S3 (or IAM) cannot express. A pattern is a prefix and a suffix \
around at most one `*` (`\"uploads/*.mp4\"`); `\".mp4\"` alone is a suffix and `\"uploads/\"` \
alone a prefix. In a trigger, a pattern without `*` that is neither (`\"video.mp4\"`) would name \
one key, which S3's filters cannot do. An empty pattern is a mistake too: leave it out to match \
every key.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\nmedia.on_put(\"uploads/*/*.mp4\") -> task resize\n",
    fixed: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\nmedia.on_put(\"uploads/*.mp4\") -> task resize\n",
    aws_rule: Some("An S3 event notification filters keys by one prefix and one suffix, without wildcards."),
    link: Some(S3_FILTERS),
};

static E0303: Explanation = Explanation {
    code: Code::E0303,
    meaning: "Two function triggers on the same bucket and event have patterns that can match \
the same key. S3 rejects such a notification configuration when it is deployed; infrac says so \
before. Make the patterns disjoint (different suffixes, or prefixes neither of which starts the \
other), or send both kinds of keys to one function. Task triggers go through EventBridge and \
may overlap.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\nfunction thumbs {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nfunction audit {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nmedia.on_put(\".jpg\") -> function thumbs\nmedia.on_put(\"uploads/\") -> function audit\n",
    fixed: "bucket media {}\nfunction thumbs {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nfunction audit {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nmedia.on_put(\".jpg\") -> function thumbs\nmedia.on_put(\"uploads/*.mp4\") -> function audit\n",
    aws_rule: Some("S3 refuses a notification configuration in which two rules for the same event type have overlapping prefixes and overlapping suffixes."),
    link: Some(S3_FILTERS),
};

static E0304: Explanation = Explanation {
    code: Code::E0304,
    meaning: "A function trigger with a block, or a task trigger's block with something other \
than `env`. A function receives the event itself as its argument, so it needs no block; a \
task's trigger may add `env` entries for that run (and use `event.*` in them).",
    file: ExampleFile::Program,
    wrong: "bucket media {}\nfunction thumbs {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nmedia.on_put(\".jpg\") -> function thumbs {\n  env = { KEY = event.key }\n}\n",
    fixed: "bucket media {}\nfunction thumbs {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nmedia.on_put(\".jpg\") -> function thumbs\n",
    aws_rule: Some("S3 invokes a Lambda function with the event record as its payload."),
    link: Some("https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html"),
};

static E0305: Explanation = Explanation {
    code: Code::E0305,
    meaning: "`event` is the event that started a run, so it exists only inside a task \
trigger's block; and each event has its own fields (`on_put` has `key`, `bucket` and `size`, \
`on_delete` has `key` and `bucket`, `on_tick` has `time`).",
    file: ExampleFile::Program,
    wrong: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\nmedia.on_delete() -> task resize {\n  env = { SIZE = \"${event.size}\" }\n}\n",
    fixed: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\nmedia.on_delete() -> task resize {\n  env = { KEY = event.key }\n}\n",
    aws_rule: Some("S3 reports no object size for a deletion."),
    link: Some("https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html"),
};

static E0306: Explanation = Explanation {
    code: Code::E0306,
    meaning: "A trigger loop: the target of a trigger on puts to a bucket writes to that bucket \
keys the trigger matches, so each run starts another, forever (and bills for each). Narrow the \
`writes` or the trigger's pattern so that no key matches both, for example by writing results \
under another prefix or with another suffix. A cycle of `runs` and `invokes` is the same \
mistake: a task that `runs` itself, or a function that invokes another that invokes it back, \
could start itself forever.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\ntask thumbs {\n  build = \"./app\"\n  writes media\n}\nmedia.on_put(\".mp4\") -> task thumbs\n",
    fixed: "bucket media {}\ntask thumbs {\n  build = \"./app\"\n  writes media(\"thumbs/*.jpg\")\n}\nmedia.on_put(\".mp4\") -> task thumbs\n",
    aws_rule: Some("AWS warns against functions that write back to the bucket that triggers them: the recursion runs until stopped."),
    link: Some("https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html"),
};

static E0401: Explanation = Explanation {
    code: Code::E0401,
    meaning: "A function's `code` or a task's `build` names a path that does not exist, relative \
to the folder of the file that names it; or `build` names a folder without a `Dockerfile`. \
Deploy zips `code` and runs `docker build` in `build`, so both must be there.",
    file: ExampleFile::Program,
    wrong: "bucket media {}\nfunction thumbs {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./lambda\"\n}\nmedia.on_put(\".jpg\") -> function thumbs\n",
    fixed: "bucket media {}\nfunction thumbs {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\nmedia.on_put(\".jpg\") -> function thumbs\n",
    aws_rule: None,
    link: None,
};

static E0402: Explanation = Explanation {
    code: Code::E0402,
    meaning: "A schedule EventBridge cannot run. `cron` is 5-field Unix cron in UTC (minute, \
hour, day of month, month, day of week) and may not restrict both the day of the month and the \
day of the week; `every` is a whole number of minutes, at least `1m`.",
    file: ExampleFile::Program,
    wrong: "schedule weekly {\n  cron = \"0 3 1 * MON\"\n}\ntask report {\n  build = \"./app\"\n}\nweekly.on_tick() -> task report\n",
    fixed: "schedule weekly {\n  cron = \"0 3 * * MON\"\n}\ntask report {\n  build = \"./app\"\n}\nweekly.on_tick() -> task report\n",
    aws_rule: Some("An EventBridge cron expression cannot specify both the day-of-month and the day-of-week fields, and rates are whole minutes."),
    link: Some("https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html"),
};

static W0001: Explanation = Explanation {
    code: Code::W0001,
    meaning: "A function or task that no trigger names: it would be deployed and never run. Add \
a trigger, or remove it. (A warning: the program still deploys.)",
    file: ExampleFile::Program,
    wrong: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\n",
    fixed: "bucket media {}\ntask resize {\n  image = \"public.ecr.aws/docker/library/alpine:3.20\"\n}\nmedia.on_put(\".png\") -> task resize\n",
    aws_rule: None,
    link: None,
};

static W0002: Explanation = Explanation {
    code: Code::W0002,
    meaning: "The function's Lambda runtime is deprecated: AWS no longer patches it, and on its \
\"block function create\" date AWS will refuse to create functions with it (from then on infrac \
reports E0204). Move to the runtime the help line names, the newest of its family. The \
reference lists every runtime with AWS's three dates; the check compares them with today's \
date. (The example's .NET 8 is deprecated from 2026-11-10 and refused for new functions from \
2026-12-10.)",
    file: ExampleFile::Program,
    wrong: "bucket media {}\nfunction thumbs {\n  runtime = \"dotnet8\"\n  handler = \"Thumbs::Thumbs.Function::Handler\"\n  code = \"./src\"\n}\nmedia.on_put(\".jpg\") -> function thumbs\n",
    fixed: "bucket media {}\nfunction thumbs {\n  runtime = \"dotnet10\"\n  handler = \"Thumbs::Thumbs.Function::Handler\"\n  code = \"./src\"\n}\nmedia.on_put(\".jpg\") -> function thumbs\n",
    aws_rule: Some("Lambda deprecates a runtime when its language or operating system leaves long-term support, then blocks creating and later updating functions with it."),
    link: Some(LAMBDA_RUNTIMES),
};

static W0003: Explanation = Explanation {
    code: Code::W0003,
    meaning: "A resource name that is not lower snake case (`[a-z][a-z0-9_]*`). Resource names \
become parts of AWS names, several of which (S3 buckets) must be lower case; the help line \
gives the snake-case form.",
    file: ExampleFile::Program,
    wrong: "bucket MediaFiles {}\n",
    fixed: "bucket media_files {}\n",
    aws_rule: Some("S3 bucket names use only lower-case letters, digits, dots and hyphens."),
    link: Some("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"),
};
