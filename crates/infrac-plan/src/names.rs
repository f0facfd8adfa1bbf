//! Physical names: `{project}-{stack}-{name}` plus what each AWS service needs. Every name is
//! a pure function of the project, the stack and the declaration, so a deploy that crashed can
//! find what it made by name, and a plan shows the names the deploy will use.

use sha2::{Digest, Sha256};

/// Lengths AWS allows.
pub const S3_BUCKET_MAX: usize = 63;
pub const IAM_ROLE_MAX: usize = 64;
pub const LAMBDA_FUNCTION_MAX: usize = 64;
pub const EVENTS_RULE_MAX: usize = 64;
pub const EVENTS_TARGET_ID_MAX: usize = 64;
pub const ECS_NAME_MAX: usize = 255;
pub const ECR_REPOSITORY_MAX: usize = 256;
pub const LOG_GROUP_MAX: usize = 512;
pub const STATEMENT_ID_MAX: usize = 100;
/// Stacks are part of every name, so they are kept short and plain.
pub const STACK_MAX: usize = 24;

/// The first `len` hex digits of the SHA-256 of `text`.
pub fn short_hash(text: &str, len: usize) -> String {
    let mut out = crate::hash::hex(&Sha256::digest(text.as_bytes()));
    out.truncate(len);
    out
}

/// `name` if it fits in `max` bytes; otherwise its start and a hash of the whole, so two long
/// names that share a start still differ.
pub fn fit(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let hash = short_hash(name, 8);
    let mut keep = max.saturating_sub(hash.len() + 1);
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    let start = name[..keep].trim_end_matches(['-', '_', '.', '/']);
    format!("{start}-{hash}")
}

/// Whether a stack name can go into AWS names: lower-case letters, digits and `-`, starting
/// with a letter, at most [`STACK_MAX`] characters.
pub fn validate_stack(stack: &str) -> Result<(), String> {
    let ok = stack.len() <= STACK_MAX
        && stack.starts_with(|c: char| c.is_ascii_lowercase())
        && stack
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "stack name `{stack}` must start with a lower-case letter and hold only lower-case letters, digits and `-`, at most {STACK_MAX} of them (it becomes part of AWS names)"
        ))
    }
}

/// Makes the names of one stack of one project.
#[derive(Clone, Debug)]
pub struct Namer {
    project: String,
    stack: String,
}

impl Namer {
    pub fn new(project: &str, stack: &str) -> Namer {
        Namer {
            project: project.to_string(),
            stack: stack.to_string(),
        }
    }

    /// `{project}-{stack}-{name}`.
    pub fn base(&self, name: &str) -> String {
        format!("{}-{}-{name}", self.project, self.stack)
    }

    /// S3 bucket names are global across all of AWS, lower case, 3 to 63 characters of
    /// letters, digits, `-` and `.`: `{project}-{stack}-{name}-{hash}`, where the hash of the
    /// three keeps two long names apart.
    pub fn s3_bucket(&self, declaration: &str) -> String {
        let hash = short_hash(&format!("{}/{}/{declaration}", self.project, self.stack), 8);
        let readable = dns_label(&self.base(declaration));
        let keep = S3_BUCKET_MAX - hash.len() - 1;
        let readable = readable[..readable.len().min(keep)].trim_end_matches('-');
        let mut name = format!("{readable}-{hash}");
        // Prefixes S3 reserves for its own names.
        if name.starts_with("xn--")
            || name.starts_with("sthree-")
            || name.starts_with("amzn-s3-demo-")
        {
            name = format!("b-{name}");
            name.truncate(S3_BUCKET_MAX);
        }
        name
    }

    pub fn lambda_function(&self, declaration: &str) -> String {
        fit(&self.base(declaration), LAMBDA_FUNCTION_MAX)
    }

    /// `{project}-{stack}-{name}-{suffix}`, at most 64 characters.
    pub fn iam_role(&self, declaration: &str, suffix: &str) -> String {
        fit(&self.base(&format!("{declaration}-{suffix}")), IAM_ROLE_MAX)
    }

    /// Lambda writes to `/aws/lambda/NAME` on its own; making that group lets the stack own
    /// it (tags, deletion) instead of Lambda creating it on first run.
    pub fn lambda_log_group(function_name: &str) -> String {
        format!("/aws/lambda/{function_name}")
    }

    pub fn task_log_group(&self, declaration: &str) -> String {
        fit(&format!("/ecs/{}", self.base(declaration)), LOG_GROUP_MAX)
    }

    /// One cluster per stack, shared by its tasks.
    pub fn ecs_cluster(&self) -> String {
        fit(&format!("{}-{}", self.project, self.stack), ECS_NAME_MAX)
    }

    /// The SSM parameter that holds a secret's value: `/{project}/{stack}/{name}`. Parameter
    /// names take letters, digits and `_.-/`, which is all a project, stack or declaration
    /// name can hold.
    pub fn ssm_parameter(&self, declaration: &str) -> String {
        format!("/{}/{}/{declaration}", self.project, self.stack)
    }

    pub fn task_family(&self, declaration: &str) -> String {
        fit(&self.base(declaration), ECS_NAME_MAX)
    }

    /// ECR repository names are lower case, with single `-`, `_` or `.` between letters and
    /// digits.
    pub fn ecr_repository(&self, declaration: &str) -> String {
        fit(&dns_label(&self.base(declaration)), ECR_REPOSITORY_MAX)
    }

    pub fn events_rule(&self, name: &str) -> String {
        fit(&self.base(name), EVENTS_RULE_MAX)
    }

    /// The base name of what a trigger makes: source, event and target, plus a hash of the
    /// trigger's id, because one source may trigger one target on several patterns.
    pub fn trigger(&self, source: &str, event: &str, target: &str, trigger_id: &str) -> String {
        let hash = short_hash(trigger_id, 6);
        let event = event.strip_prefix("on_").unwrap_or(event);
        self.base(&format!("{source}-{event}-{target}-{hash}"))
    }

    /// An EventBridge target id (64 characters of letters, digits, `.`, `-` and `_`).
    pub fn target_id(target: &str, trigger_id: &str) -> String {
        let hash = short_hash(trigger_id, 8);
        fit(&format!("{target}-{hash}"), EVENTS_TARGET_ID_MAX)
    }

    /// A Lambda permission's statement id.
    pub fn statement_id(trigger_name: &str) -> String {
        fit(trigger_name, STATEMENT_ID_MAX)
    }
}

/// Lower case, `_` and anything else outside `[a-z0-9.-]` becomes `-`, no `--` runs, no `-` at
/// either end: what S3 and ECR accept.
fn dns_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' => c,
            _ => '-',
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3_rules() {
        let n = Namer::new("thumbnailer", "dev");
        let name = n.s3_bucket("media");
        assert!(name.starts_with("thumbnailer-dev-media-"), "{name}");
        assert_eq!(name.len(), "thumbnailer-dev-media-".len() + 8);
        assert_eq!(name, n.s3_bucket("media"), "deterministic");
        assert_ne!(name, Namer::new("thumbnailer", "prod").s3_bucket("media"));
        let long = n.s3_bucket(&"very_long_bucket_name_".repeat(5));
        assert!(long.len() <= S3_BUCKET_MAX, "{long}");
        assert!(long.len() >= 3);
        let valid = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !s.starts_with('-')
                && !s.ends_with('-')
                && !s.contains("--")
        };
        assert!(valid(&long), "{long}");
        assert!(valid(&n.s3_bucket("Upper_Case__name")));
        assert!(valid(&Namer::new("xn--a", "dev").s3_bucket("b")));
        assert!(!Namer::new("xn--a", "dev")
            .s3_bucket("b")
            .starts_with("xn--"));
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let n = Namer::new("a-rather-long-project-name", "production");
        let role = n.iam_role("a_very_long_function_name_indeed", "role");
        assert_eq!(role.len(), IAM_ROLE_MAX, "{role}");
        let other = n.iam_role("a_very_long_function_name_indeed_too", "role");
        assert_ne!(role, other);
        assert_eq!(
            n.iam_role("f", "role"),
            "a-rather-long-project-name-production-f-role"
        );
        assert_eq!(fit("abc", 3), "abc");
    }

    #[test]
    fn stacks() {
        assert!(validate_stack("dev").is_ok());
        assert!(validate_stack("pr-123").is_ok());
        assert!(validate_stack("Dev").is_err());
        assert!(validate_stack("1dev").is_err());
        assert!(validate_stack("").is_err());
        assert!(validate_stack(&"a".repeat(STACK_MAX + 1)).is_err());
    }

    #[test]
    fn repository_names_are_lower_case_labels() {
        let n = Namer::new("thumbnailer", "dev");
        assert_eq!(n.ecr_repository("ffmpeg"), "thumbnailer-dev-ffmpeg");
        assert_eq!(n.ecr_repository("big__Task_"), "thumbnailer-dev-big-task");
    }
}
