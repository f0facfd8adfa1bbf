//! One schema per resource kind: attributes (type, default, rule, docs), the values a
//! declaration exposes, its events and their fields. The checker, completion, hover and lowering
//! all read these tables; adding a kind or an attribute is one edit here.

use crate::date::Date;
use infrac_syntax::ast::ResourceKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Int,
    Bool,
    Duration,
    Size,
    ListOfString,
    MapOfString,
    Resource(ResourceKind),
}

impl Type {
    pub fn name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Int => "int",
            Type::Bool => "bool",
            Type::Duration => "duration",
            Type::Size => "size",
            Type::ListOfString => "list<string>",
            Type::MapOfString => "map<string,string>",
            Type::Resource(kind) => kind.keyword(),
        }
    }

    /// "a size" / "an int", for messages.
    pub fn with_article(self) -> String {
        let name = self.name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }
}

/// A default that applies when an attribute is not set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Default {
    Bool(bool),
    Int(i64),
    /// A size in MiB.
    Size(u64),
    /// A duration in seconds.
    Duration(u64),
    Str(&'static str),
    EmptyMap,
}

impl Default {
    /// The default as it would be written in a program.
    pub fn source_text(self) -> String {
        match self {
            Default::Bool(b) => b.to_string(),
            Default::Int(i) => i.to_string(),
            Default::Size(mb) if mb % 1024 == 0 => format!("{}GB", mb / 1024),
            Default::Size(mb) => format!("{mb}MB"),
            Default::Duration(s) => format!("{s}s"),
            Default::Str(s) => format!("{s:?}"),
            Default::EmptyMap => "{}".to_string(),
        }
    }
}

/// The rule a value must follow beyond its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    None,
    /// Inclusive range of sizes in MiB.
    SizeRange {
        min: u64,
        max: u64,
    },
    /// Inclusive range of durations in seconds.
    DurationRange {
        min: u64,
        max: u64,
    },
    /// A whole number of days, at least this many.
    WholeDays {
        min: u64,
    },
    OneOfStr(&'static [&'static str]),
    OneOfInt(&'static [i64]),
    /// Inclusive range of ints.
    IntRange {
        min: i64,
        max: i64,
    },
    /// An HTTP path: starts with `/`, at most this many characters.
    HttpPath(usize),
    /// One of Lambda's runtimes (see [`RUNTIMES`]).
    Runtime,
    /// A 5-field Unix cron expression.
    Cron,
    /// A schedule rate: whole minutes, at least one.
    Every,
    /// Environment of a Lambda function: keys and values at most this many bytes in all.
    EnvBytes(usize),
    /// A path, relative to the file, to a file or folder that exists.
    ExistingPath,
    /// A folder, relative to the file, holding a Dockerfile.
    DockerContext,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    Optional,
    Required,
    /// Required unless the function's runtime is one of the `provided.*` ones.
    RequiredUnlessProvidedRuntime,
}

#[derive(Debug)]
pub struct AttrSchema {
    pub name: &'static str,
    pub ty: Type,
    pub default: Option<Default>,
    pub requirement: Requirement,
    pub rule: Rule,
    pub doc: &'static str,
    /// What to insert for a completion or a "missing attribute" fix (snippet placeholders
    /// are added by the editor layer).
    pub example: &'static str,
}

#[derive(Debug)]
pub struct FieldSchema {
    pub name: &'static str,
    pub ty: Type,
    pub doc: &'static str,
}

#[derive(Debug)]
pub struct EventSchema {
    pub name: &'static str,
    pub doc: &'static str,
    /// Whether the event takes a key pattern (`on_put(".mp4")`).
    pub takes_pattern: bool,
    pub fields: &'static [FieldSchema],
}

#[derive(Debug)]
pub struct ValueSchema {
    pub name: &'static str,
    pub doc: &'static str,
}

#[derive(Debug)]
pub struct KindSchema {
    pub kind: ResourceKind,
    pub doc: &'static str,
    /// The AWS service it becomes, for hover.
    pub aws: &'static str,
    pub attrs: &'static [AttrSchema],
    /// Pairs of attributes of which exactly one must be set (E0205), with a hint on choosing.
    pub exactly_one_of: &'static [(&'static str, &'static str, &'static str)],
    pub values: &'static [ValueSchema],
    pub events: &'static [EventSchema],
}

impl KindSchema {
    pub fn attr(&self, name: &str) -> Option<&'static AttrSchema> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn event(&self, name: &str) -> Option<&'static EventSchema> {
        self.events.iter().find(|e| e.name == name)
    }

    pub fn value(&self, name: &str) -> Option<&'static ValueSchema> {
        self.values.iter().find(|v| v.name == name)
    }
}

impl EventSchema {
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|f| f.name == name)
    }
}

pub fn schema(kind: ResourceKind) -> &'static KindSchema {
    match kind {
        ResourceKind::Bucket => &BUCKET,
        ResourceKind::Function => &FUNCTION,
        ResourceKind::Task => &TASK,
        ResourceKind::Schedule => &SCHEDULE,
        ResourceKind::Service => &SERVICE,
        ResourceKind::Secret => &SECRET,
    }
}

/// One of Lambda's managed runtimes and the three dates of its retirement, as AWS's Lambda
/// runtimes page publishes them (projected for the runtimes not yet deprecated; AWS may move
/// them). The table keeps retired runtimes too, so that a program naming one hears why it
/// cannot be used rather than "not a runtime".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    /// The identifier a program writes: `"nodejs24.x"`.
    pub name: &'static str,
    /// The name AWS gives it: `Node.js 24`.
    pub label: &'static str,
    /// Runtimes of one family replace each other (`go1.x` is followed by `provided.al2023`).
    pub family: &'static str,
    /// From this day AWS no longer patches it: W0002.
    pub deprecated: Date,
    /// From this day AWS refuses to create a function with it: E0204.
    pub block_create: Date,
    /// From this day AWS also refuses to update a function that uses it.
    pub block_update: Date,
}

/// Where a runtime stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuntimeStatus {
    Supported,
    /// Deprecated: still accepted, no longer patched.
    Deprecated,
    /// AWS no longer creates functions with it (updates still work).
    CreateBlocked,
    /// AWS neither creates nor updates functions with it.
    UpdateBlocked,
}

impl Runtime {
    pub fn status(&self, today: Date) -> RuntimeStatus {
        if today >= self.block_update {
            RuntimeStatus::UpdateBlocked
        } else if today >= self.block_create {
            RuntimeStatus::CreateBlocked
        } else if today >= self.deprecated {
            RuntimeStatus::Deprecated
        } else {
            RuntimeStatus::Supported
        }
    }

    /// The newest runtime of its family that is supported on `today`.
    pub fn successor(&self, today: Date) -> Option<&'static Runtime> {
        RUNTIMES
            .iter()
            .find(|r| r.family == self.family && r.status(today) == RuntimeStatus::Supported)
    }
}

/// Lambda's runtimes, newest first within each family. Source: the "Supported runtimes" and
/// "Deprecated runtimes" tables of AWS's Lambda runtimes page
/// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>), checked against
/// cfn-lint's runtime lifecycle data (its rules E2531 and W2531). `docs/reference.md` prints
/// this table; update both together (a test fails when the reference is stale).
#[rustfmt::skip]
pub const RUNTIMES: &[Runtime] = &[
    Runtime { name: "nodejs24.x", label: "Node.js 24", family: "nodejs", deprecated: Date::ymd(2028, 4, 30), block_create: Date::ymd(2028, 6, 1), block_update: Date::ymd(2028, 7, 1) },
    Runtime { name: "nodejs22.x", label: "Node.js 22", family: "nodejs", deprecated: Date::ymd(2027, 4, 30), block_create: Date::ymd(2027, 6, 1), block_update: Date::ymd(2027, 7, 1) },
    Runtime { name: "nodejs20.x", label: "Node.js 20", family: "nodejs", deprecated: Date::ymd(2026, 4, 30), block_create: Date::ymd(2026, 8, 31), block_update: Date::ymd(2026, 9, 30) },
    Runtime { name: "nodejs18.x", label: "Node.js 18", family: "nodejs", deprecated: Date::ymd(2025, 9, 1), block_create: Date::ymd(2026, 2, 3), block_update: Date::ymd(2026, 3, 9) },
    Runtime { name: "nodejs16.x", label: "Node.js 16", family: "nodejs", deprecated: Date::ymd(2024, 6, 12), block_create: Date::ymd(2025, 10, 1), block_update: Date::ymd(2025, 11, 1) },
    Runtime { name: "nodejs14.x", label: "Node.js 14", family: "nodejs", deprecated: Date::ymd(2023, 12, 4), block_create: Date::ymd(2024, 7, 9), block_update: Date::ymd(2025, 11, 1) },
    Runtime { name: "python3.14", label: "Python 3.14", family: "python", deprecated: Date::ymd(2029, 6, 30), block_create: Date::ymd(2029, 7, 31), block_update: Date::ymd(2029, 8, 31) },
    Runtime { name: "python3.13", label: "Python 3.13", family: "python", deprecated: Date::ymd(2029, 6, 30), block_create: Date::ymd(2029, 7, 31), block_update: Date::ymd(2029, 8, 31) },
    Runtime { name: "python3.12", label: "Python 3.12", family: "python", deprecated: Date::ymd(2028, 10, 31), block_create: Date::ymd(2028, 11, 30), block_update: Date::ymd(2029, 1, 10) },
    Runtime { name: "python3.11", label: "Python 3.11", family: "python", deprecated: Date::ymd(2027, 6, 30), block_create: Date::ymd(2027, 7, 31), block_update: Date::ymd(2027, 8, 31) },
    Runtime { name: "python3.10", label: "Python 3.10", family: "python", deprecated: Date::ymd(2026, 6, 30), block_create: Date::ymd(2026, 7, 31), block_update: Date::ymd(2026, 8, 31) },
    Runtime { name: "python3.9", label: "Python 3.9", family: "python", deprecated: Date::ymd(2025, 12, 15), block_create: Date::ymd(2026, 8, 31), block_update: Date::ymd(2026, 9, 30) },
    Runtime { name: "python3.8", label: "Python 3.8", family: "python", deprecated: Date::ymd(2024, 10, 14), block_create: Date::ymd(2025, 10, 1), block_update: Date::ymd(2025, 11, 1) },
    Runtime { name: "python3.7", label: "Python 3.7", family: "python", deprecated: Date::ymd(2023, 12, 4), block_create: Date::ymd(2024, 1, 9), block_update: Date::ymd(2025, 11, 1) },
    Runtime { name: "java25", label: "Java 25", family: "java", deprecated: Date::ymd(2029, 6, 30), block_create: Date::ymd(2029, 7, 31), block_update: Date::ymd(2029, 8, 31) },
    Runtime { name: "java21", label: "Java 21", family: "java", deprecated: Date::ymd(2029, 6, 30), block_create: Date::ymd(2029, 7, 31), block_update: Date::ymd(2029, 8, 31) },
    Runtime { name: "java17", label: "Java 17", family: "java", deprecated: Date::ymd(2027, 6, 30), block_create: Date::ymd(2027, 7, 31), block_update: Date::ymd(2027, 8, 31) },
    Runtime { name: "java11", label: "Java 11", family: "java", deprecated: Date::ymd(2027, 6, 30), block_create: Date::ymd(2027, 7, 31), block_update: Date::ymd(2027, 8, 31) },
    Runtime { name: "java8.al2", label: "Java 8 (Amazon Linux 2)", family: "java", deprecated: Date::ymd(2027, 6, 30), block_create: Date::ymd(2027, 7, 31), block_update: Date::ymd(2027, 8, 31) },
    Runtime { name: "java8", label: "Java 8 (Amazon Linux 1)", family: "java", deprecated: Date::ymd(2024, 1, 8), block_create: Date::ymd(2024, 2, 8), block_update: Date::ymd(2025, 11, 1) },
    Runtime { name: "dotnet10", label: ".NET 10", family: "dotnet", deprecated: Date::ymd(2028, 11, 14), block_create: Date::ymd(2028, 12, 14), block_update: Date::ymd(2029, 1, 15) },
    Runtime { name: "dotnet8", label: ".NET 8", family: "dotnet", deprecated: Date::ymd(2026, 11, 10), block_create: Date::ymd(2026, 12, 10), block_update: Date::ymd(2027, 1, 11) },
    Runtime { name: "dotnet7", label: ".NET 7", family: "dotnet", deprecated: Date::ymd(2024, 5, 14), block_create: Date::ymd(2024, 5, 14), block_update: Date::ymd(2024, 5, 14) },
    Runtime { name: "dotnet6", label: ".NET 6", family: "dotnet", deprecated: Date::ymd(2024, 11, 12), block_create: Date::ymd(2025, 10, 1), block_update: Date::ymd(2025, 11, 1) },
    Runtime { name: "ruby3.4", label: "Ruby 3.4", family: "ruby", deprecated: Date::ymd(2028, 3, 31), block_create: Date::ymd(2028, 4, 30), block_update: Date::ymd(2028, 5, 31) },
    Runtime { name: "ruby3.3", label: "Ruby 3.3", family: "ruby", deprecated: Date::ymd(2027, 3, 31), block_create: Date::ymd(2027, 4, 30), block_update: Date::ymd(2027, 5, 31) },
    Runtime { name: "ruby3.2", label: "Ruby 3.2", family: "ruby", deprecated: Date::ymd(2026, 3, 31), block_create: Date::ymd(2026, 8, 31), block_update: Date::ymd(2026, 9, 30) },
    Runtime { name: "ruby2.7", label: "Ruby 2.7", family: "ruby", deprecated: Date::ymd(2023, 12, 7), block_create: Date::ymd(2024, 1, 9), block_update: Date::ymd(2025, 11, 1) },
    Runtime { name: "provided.al2023", label: "OS-only (Amazon Linux 2023)", family: "provided", deprecated: Date::ymd(2029, 6, 30), block_create: Date::ymd(2029, 7, 31), block_update: Date::ymd(2029, 8, 31) },
    Runtime { name: "provided.al2", label: "OS-only (Amazon Linux 2)", family: "provided", deprecated: Date::ymd(2026, 6, 30), block_create: Date::ymd(2026, 7, 31), block_update: Date::ymd(2026, 8, 31) },
    Runtime { name: "provided", label: "OS-only (Amazon Linux 1)", family: "provided", deprecated: Date::ymd(2024, 1, 8), block_create: Date::ymd(2024, 2, 8), block_update: Date::ymd(2025, 11, 1) },
    Runtime { name: "go1.x", label: "Go 1.x", family: "provided", deprecated: Date::ymd(2024, 1, 8), block_create: Date::ymd(2024, 2, 8), block_update: Date::ymd(2025, 11, 1) },
];

pub fn runtime(name: &str) -> Option<&'static Runtime> {
    RUNTIMES.iter().find(|r| r.name == name)
}

/// The runtimes a new function may use on `today` (supported, not deprecated), newest first
/// within each family: what completion offers and what "did you mean" picks from.
pub fn current_runtimes(today: Date) -> impl Iterator<Item = &'static Runtime> + Clone {
    RUNTIMES
        .iter()
        .filter(move |r| r.status(today) == RuntimeStatus::Supported)
}

pub const FARGATE_CPU: &[i64] = &[256, 512, 1024, 2048, 4096, 8192, 16384];

/// The memory values (MiB) AWS accepts for a Fargate task with `cpu` units.
pub fn fargate_memory(cpu: i64) -> Vec<u64> {
    let gb = |from: u64, to: u64, step: u64| {
        (from..=to)
            .step_by(step as usize)
            .map(|g| g * 1024)
            .collect()
    };
    match cpu {
        256 => vec![512, 1024, 2048],
        512 => gb(1, 4, 1),
        1024 => gb(2, 8, 1),
        2048 => gb(4, 16, 1),
        4096 => gb(8, 30, 1),
        8192 => gb(16, 60, 4),
        16384 => gb(32, 120, 8),
        _ => Vec::new(),
    }
}

const ARCHS: &[&str] = &["x86_64", "arm64"];

static BUCKET: KindSchema = KindSchema {
    kind: ResourceKind::Bucket,
    doc: "An S3 bucket: private (all public access blocked), encrypted with SSE-S3 and tagged.",
    aws: "Amazon S3",
    attrs: &[
        AttrSchema {
            name: "versioning",
            ty: Type::Bool,
            default: Some(Default::Bool(false)),
            requirement: Requirement::Optional,
            rule: Rule::None,
            doc: "Keep every version of every object.",
            example: "true",
        },
        AttrSchema {
            name: "expire_after",
            ty: Type::Duration,
            default: None,
            requirement: Requirement::Optional,
            rule: Rule::WholeDays { min: 1 },
            doc: "Delete objects this long after they were written (a lifecycle rule). Whole days, at least `1d`.",
            example: "30d",
        },
        AttrSchema {
            name: "force_destroy",
            ty: Type::Bool,
            default: Some(Default::Bool(false)),
            requirement: Requirement::Optional,
            rule: Rule::None,
            doc: "Let `infrac destroy` empty the bucket before deleting it. Without it, destroying a bucket that holds objects stops with an error.",
            example: "true",
        },
    ],
    exactly_one_of: &[],
    values: &[
        ValueSchema { name: "name", doc: "The bucket's name (known after deploy)." },
        ValueSchema { name: "arn", doc: "The bucket's ARN (known after deploy)." },
    ],
    events: &[
        EventSchema {
            name: "on_put",
            doc: "An object was created in the bucket (any upload, copy or multipart completion). Takes an optional key pattern.",
            takes_pattern: true,
            fields: &[
                FieldSchema { name: "key", ty: Type::String, doc: "The object's key." },
                FieldSchema { name: "bucket", ty: Type::String, doc: "The bucket's name." },
                FieldSchema { name: "size", ty: Type::Int, doc: "The object's size in bytes." },
            ],
        },
        EventSchema {
            name: "on_delete",
            doc: "An object was removed from the bucket. Takes an optional key pattern.",
            takes_pattern: true,
            fields: &[
                FieldSchema { name: "key", ty: Type::String, doc: "The object's key." },
                FieldSchema { name: "bucket", ty: Type::String, doc: "The bucket's name." },
            ],
        },
    ],
};

static FUNCTION: KindSchema = KindSchema {
    kind: ResourceKind::Function,
    doc: "An AWS Lambda function, with its own IAM role (granted exactly its `reads` and `writes`, plus logs) and log group.",
    aws: "AWS Lambda",
    attrs: &[
        AttrSchema {
            name: "runtime",
            ty: Type::String,
            default: None,
            requirement: Requirement::Required,
            rule: Rule::Runtime,
            doc: "The Lambda runtime, such as `\"nodejs24.x\"` or `\"python3.14\"`. A deprecated runtime is a warning (W0002); one AWS no longer creates functions with is an error (E0204).",
            example: "\"nodejs24.x\"",
        },
        AttrSchema {
            name: "handler",
            ty: Type::String,
            default: None,
            requirement: Requirement::RequiredUnlessProvidedRuntime,
            rule: Rule::None,
            doc: "The function Lambda calls, as `file.export` (`\"index.handler\"`). Not needed for `provided.*` runtimes.",
            example: "\"index.handler\"",
        },
        AttrSchema {
            name: "code",
            ty: Type::String,
            default: None,
            requirement: Requirement::Required,
            rule: Rule::ExistingPath,
            doc: "The function's code: a folder or file, relative to this file. It is zipped deterministically, so the same code always gives the same hash.",
            example: "\"./src\"",
        },
        AttrSchema {
            name: "memory",
            ty: Type::Size,
            default: Some(Default::Size(128)),
            requirement: Requirement::Optional,
            rule: Rule::SizeRange { min: 128, max: 10240 },
            doc: "Memory for the function, `128MB` to `10240MB`; CPU grows with it.",
            example: "512MB",
        },
        AttrSchema {
            name: "timeout",
            ty: Type::Duration,
            default: Some(Default::Duration(3)),
            requirement: Requirement::Optional,
            rule: Rule::DurationRange { min: 1, max: 900 },
            doc: "How long one invocation may run, `1s` to `900s` (15 minutes).",
            example: "30s",
        },
        AttrSchema {
            name: "arch",
            ty: Type::String,
            default: Some(Default::Str("x86_64")),
            requirement: Requirement::Optional,
            rule: Rule::OneOfStr(ARCHS),
            doc: "The processor architecture: `\"x86_64\"` or `\"arm64\"` (Graviton).",
            example: "\"arm64\"",
        },
        AttrSchema {
            name: "env",
            ty: Type::MapOfString,
            default: Some(Default::EmptyMap),
            requirement: Requirement::Optional,
            rule: Rule::EnvBytes(4096),
            doc: "Environment variables, at most 4KB in all (Lambda's limit).",
            example: "{}",
        },
    ],
    exactly_one_of: &[],
    values: &[
        ValueSchema { name: "name", doc: "The function's name." },
        ValueSchema { name: "arn", doc: "The function's ARN (known after deploy)." },
    ],
    events: &[],
};

/// The container attributes a task and a service share: one definition, so the checker's task
/// rules (Fargate table, `image`/`build`, paths) apply to both.
const CONTAINER_IMAGE: AttrSchema = AttrSchema {
        name: "image",
        ty: Type::String,
        default: None,
        requirement: Requirement::Optional,
        rule: Rule::None,
        doc: "A container image to run, such as `\"public.ecr.aws/docker/library/alpine:3.20\"`. Exactly one of `image` and `build`.",
        example: "\"public.ecr.aws/docker/library/alpine:3.20\"",
};

const CONTAINER_BUILD: AttrSchema = AttrSchema {
        name: "build",
        ty: Type::String,
        default: None,
        requirement: Requirement::Optional,
        rule: Rule::DockerContext,
        doc: "A folder holding a Dockerfile, relative to this file; deploy builds it and pushes it to the stack's ECR repository. Exactly one of `image` and `build`.",
        example: "\"./app\"",
};

const CONTAINER_CPU: AttrSchema = AttrSchema {
    name: "cpu",
    ty: Type::Int,
    default: Some(Default::Int(256)),
    requirement: Requirement::Optional,
    rule: Rule::OneOfInt(FARGATE_CPU),
    doc: "CPU units (1024 = one vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384.",
    example: "512",
};

const CONTAINER_MEMORY: AttrSchema = AttrSchema {
    name: "memory",
    ty: Type::Size,
    default: Some(Default::Size(512)),
    requirement: Requirement::Optional,
    rule: Rule::None,
    doc: "Memory for the task; it must be a combination with `cpu` that Fargate accepts.",
    example: "1GB",
};

const CONTAINER_COMMAND: AttrSchema = AttrSchema {
    name: "command",
    ty: Type::ListOfString,
    default: None,
    requirement: Requirement::Optional,
    rule: Rule::None,
    doc: "The command to run, overriding the image's own.",
    example: "[\"run\"]",
};

const CONTAINER_ENV: AttrSchema = AttrSchema {
    name: "env",
    ty: Type::MapOfString,
    default: Some(Default::EmptyMap),
    requirement: Requirement::Optional,
    rule: Rule::None,
    doc: "Environment variables of the container. A trigger may add more for a task's runs.",
    example: "{}",
};

const CONTAINER_ARCH: AttrSchema = AttrSchema {
    name: "arch",
    ty: Type::String,
    default: Some(Default::Str("x86_64")),
    requirement: Requirement::Optional,
    rule: Rule::OneOfStr(ARCHS),
    doc: "The processor architecture: `\"x86_64\"` or `\"arm64\"` (Graviton).",
    example: "\"arm64\"",
};

const CONTAINER_STORAGE: AttrSchema = AttrSchema {
    name: "storage",
    ty: Type::Size,
    default: Some(Default::Size(20 * 1024)),
    requirement: Requirement::Optional,
    rule: Rule::SizeRange {
        min: 21 * 1024,
        max: 200 * 1024,
    },
    doc: "Ephemeral storage: 20GB unless set; when set, `21GB` to `200GB`.",
    example: "50GB",
};

const TASK_ATTRS: [AttrSchema; 8] = [
    CONTAINER_IMAGE,
    CONTAINER_BUILD,
    CONTAINER_CPU,
    CONTAINER_MEMORY,
    CONTAINER_COMMAND,
    CONTAINER_ENV,
    CONTAINER_ARCH,
    CONTAINER_STORAGE,
];

/// A container's image: exactly one of `image` and `build`, for a task and a service alike.
const CONTAINER_IMAGE_OR_BUILD: (&str, &str, &str) = (
    "image",
    "build",
    "`image` runs an image that exists; `build` builds one from a folder holding a Dockerfile",
);

static TASK: KindSchema = KindSchema {
    kind: ResourceKind::Task,
    doc: "A container run on ECS Fargate when triggered: a task definition with its roles, log group and, with `build`, an ECR repository for its image.",
    aws: "Amazon ECS on AWS Fargate",
    attrs: &TASK_ATTRS,
    exactly_one_of: &[CONTAINER_IMAGE_OR_BUILD],
    values: &[
        ValueSchema { name: "name", doc: "The task definition's family." },
        ValueSchema { name: "arn", doc: "The task definition's ARN (known after deploy)." },
    ],
    events: &[],
};

static SERVICE: KindSchema = KindSchema {
    kind: ResourceKind::Service,
    doc: "A container that keeps running: an ECS service on Fargate behind an Application Load Balancer (HTTP on port 80), with its security groups and, with `min`/`max`, CPU target-tracking scaling. The task definition, roles, log group and repository are as for a task.",
    aws: "Amazon ECS on AWS Fargate, Elastic Load Balancing, Application Auto Scaling",
    attrs: &[
        CONTAINER_IMAGE,
        CONTAINER_BUILD,
        CONTAINER_CPU,
        CONTAINER_MEMORY,
        CONTAINER_COMMAND,
        CONTAINER_ENV,
        CONTAINER_ARCH,
        CONTAINER_STORAGE,
        AttrSchema {
            name: "port",
            ty: Type::Int,
            default: Some(Default::Int(80)),
            requirement: Requirement::Optional,
            rule: Rule::IntRange { min: 1, max: 65535 },
            doc: "The container port the load balancer forwards to, `1` to `65535`. The load balancer itself listens on HTTP port 80.",
            example: "8080",
        },
        AttrSchema {
            name: "health",
            ty: Type::String,
            default: Some(Default::Str("/")),
            requirement: Requirement::Optional,
            rule: Rule::HttpPath(1024),
            doc: "The path the load balancer's health check requests over HTTP: starts with `/`, at most 1024 characters. A task answering 200 to 399 is healthy.",
            example: "\"/healthz\"",
        },
        AttrSchema {
            name: "public",
            ty: Type::Bool,
            default: Some(Default::Bool(true)),
            requirement: Requirement::Optional,
            rule: Rule::None,
            doc: "An internet-facing load balancer, open to `0.0.0.0/0` on port 80; `false`: an internal one, open only to the VPC.",
            example: "false",
        },
        AttrSchema {
            name: "count",
            ty: Type::Int,
            default: Some(Default::Int(1)),
            requirement: Requirement::Optional,
            rule: Rule::IntRange { min: 0, max: 1000 },
            doc: "How many tasks run, `0` to `1000`, when `min` and `max` are not set. Not with `min`/`max` (E0205).",
            example: "2",
        },
        AttrSchema {
            name: "min",
            ty: Type::Int,
            default: None,
            requirement: Requirement::Optional,
            rule: Rule::IntRange { min: 0, max: 1000 },
            doc: "The fewest tasks scaling keeps running, `0` to `max`. `min` and `max` go together (E0205) and turn on CPU target-tracking scaling.",
            example: "1",
        },
        AttrSchema {
            name: "max",
            ty: Type::Int,
            default: None,
            requirement: Requirement::Optional,
            rule: Rule::IntRange { min: 1, max: 1000 },
            doc: "The most tasks scaling starts, `min` to `1000` (at least `1`). `min` and `max` go together (E0205).",
            example: "4",
        },
        AttrSchema {
            name: "target_cpu",
            ty: Type::Int,
            default: Some(Default::Int(70)),
            requirement: Requirement::Optional,
            rule: Rule::IntRange { min: 10, max: 90 },
            doc: "The average CPU percent that scaling holds, `10` to `90`. Only with `min`/`max` (E0208).",
            example: "60",
        },
    ],
    exactly_one_of: &[CONTAINER_IMAGE_OR_BUILD],
    values: &[
        ValueSchema { name: "name", doc: "The ECS service's name." },
        ValueSchema { name: "arn", doc: "The ECS service's ARN (known after deploy)." },
        ValueSchema { name: "url", doc: "`http://` and the load balancer's DNS name (known after deploy)." },
    ],
    events: &[],
};

static SCHEDULE: KindSchema = KindSchema {
    kind: ResourceKind::Schedule,
    doc: "A clock: an EventBridge schedule rule that ticks by `cron` or `every`.",
    aws: "Amazon EventBridge",
    attrs: &[
        AttrSchema {
            name: "cron",
            ty: Type::String,
            default: None,
            requirement: Requirement::Optional,
            rule: Rule::Cron,
            doc: "A 5-field Unix cron expression in UTC: minute hour day-of-month month day-of-week (`\"0 3 * * *\"` is 03:00 every day). Exactly one of `cron` and `every`.",
            example: "\"0 3 * * *\"",
        },
        AttrSchema {
            name: "every",
            ty: Type::Duration,
            default: None,
            requirement: Requirement::Optional,
            rule: Rule::Every,
            doc: "A fixed rate in whole minutes, at least `1m` (`every = 1h`). Exactly one of `cron` and `every`.",
            example: "1h",
        },
    ],
    exactly_one_of: &[(
        "cron",
        "every",
        "`cron` ticks at set times (`\"0 3 * * *\"`); `every` ticks at a fixed rate (`every = 1h`)",
    )],
    values: &[
        ValueSchema { name: "name", doc: "The rule's name." },
        ValueSchema { name: "arn", doc: "The rule's ARN (known after deploy)." },
    ],
    events: &[EventSchema {
        name: "on_tick",
        doc: "The schedule ticked.",
        takes_pattern: false,
        fields: &[FieldSchema { name: "time", ty: Type::String, doc: "When it ticked, in ISO 8601 UTC." }],
    }],
};

static SECRET: KindSchema = KindSchema {
    kind: ResourceKind::Secret,
    doc: "A value kept in AWS Systems Manager Parameter Store as a `SecureString` named `/PROJECT/STACK/NAME`, never in a `.infra` file, a plan, the state or a log. Set it with `infrac secret set NAME`. A task gets it with `env = { KEY = NAME.value }` (ECS reads it when the container starts); a function gets `reads NAME` and the parameter's name (`NAME.name`) and reads the value itself.",
    aws: "AWS Systems Manager Parameter Store",
    attrs: &[],
    exactly_one_of: &[],
    values: &[
        ValueSchema { name: "value", doc: "The secret's value: only as a whole value in a task's `env`, where it becomes an ECS `secrets` entry. Anywhere else it would be stored in plain text (E0210)." },
        ValueSchema { name: "name", doc: "The parameter's name, `/PROJECT/STACK/NAME`: pass it to code that has `reads NAME` and reads the value with SSM's `GetParameter`." },
    ],
    events: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_table_matches_aws() {
        assert_eq!(fargate_memory(256), vec![512, 1024, 2048]);
        assert_eq!(fargate_memory(4096).len(), 23);
        assert_eq!(fargate_memory(8192).first(), Some(&(16 * 1024)));
        assert_eq!(fargate_memory(8192).last(), Some(&(60 * 1024)));
        assert_eq!(fargate_memory(16384).last(), Some(&(120 * 1024)));
        assert!(fargate_memory(300).is_empty());
    }

    #[test]
    fn every_default_has_the_attribute_type() {
        for kind in ResourceKind::ALL {
            for attr in schema(kind).attrs {
                let ok = matches!(
                    (attr.default, attr.ty),
                    (None, _)
                        | (Some(Default::Bool(_)), Type::Bool)
                        | (Some(Default::Int(_)), Type::Int)
                        | (Some(Default::Size(_)), Type::Size)
                        | (Some(Default::Duration(_)), Type::Duration)
                        | (Some(Default::Str(_)), Type::String)
                        | (Some(Default::EmptyMap), Type::MapOfString)
                );
                assert!(ok, "{}.{}", kind.keyword(), attr.name);
            }
        }
    }
}
