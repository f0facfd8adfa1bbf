//! `build` tasks: `docker build` of the task's folder and `docker push` to the stack's ECR
//! repository, tagged by a hash of the folder. Without a Docker engine a deploy that needs
//! one stops before it changes anything (see `Provider::preflight`).

use infrac_deploy::{ErrorKind, ProviderError};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// One image to build and push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageBuild {
    /// The build context (the task's `build` folder).
    pub context: PathBuf,
    /// The Dockerfile, relative to the context.
    pub dockerfile: String,
    /// `linux/amd64` or `linux/arm64`.
    pub platform: String,
    /// `REPOSITORY_URL:TAG`.
    pub image: String,
}

impl ImageBuild {
    /// `docker build --platform P -f CONTEXT/Dockerfile -t IMAGE CONTEXT`.
    pub fn build_args(&self) -> Vec<String> {
        vec![
            "build".into(),
            "--platform".into(),
            self.platform.clone(),
            "-f".into(),
            self.context.join(&self.dockerfile).display().to_string(),
            "-t".into(),
            self.image.clone(),
            self.context.display().to_string(),
        ]
    }

    /// `docker push IMAGE`.
    pub fn push_args(&self) -> Vec<String> {
        vec!["push".into(), self.image.clone()]
    }

    /// The registry host of the image (`123.dkr.ecr.us-east-1.amazonaws.com`).
    pub fn registry(&self) -> &str {
        self.image.split('/').next().unwrap_or_default()
    }

    /// `docker login --username USER --password-stdin REGISTRY` (the password goes to stdin,
    /// never to the command line).
    pub fn login_args(&self, user: &str) -> Vec<String> {
        vec![
            "login".into(),
            "--username".into(),
            user.into(),
            "--password-stdin".into(),
            self.registry().into(),
        ]
    }
}

/// ECR's authorization token is base64 of `USER:PASSWORD`.
pub fn decode_token(token: &str) -> Option<(String, String)> {
    let bytes = aws_smithy_types::base64::decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn docker_program() -> String {
    std::env::var("INFRAC_DOCKER").unwrap_or_else(|_| "docker".into())
}

/// Fails with a plain explanation unless a Docker engine answers `docker info`.
pub async fn check_engine(needed_by: &str) -> Result<(), ProviderError> {
    let run = Command::new(docker_program())
        .arg("info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let problem = match tokio::time::timeout(Duration::from_secs(30), run).await {
        Ok(Ok(out)) if out.status.success() => return Ok(()),
        Ok(Ok(out)) => {
            let text = String::from_utf8_lossy(&out.stderr);
            text.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no answer")
                .trim()
                .to_string()
        }
        Ok(Err(err)) => format!("cannot run docker: {err}"),
        Err(_) => "no answer in 30 seconds".into(),
    };
    Err(ProviderError::new(
        ErrorKind::Precondition,
        "docker info",
        format!("`{needed_by}` is built from a Dockerfile, which needs a Docker engine, and none is running ({problem})"),
    )
    .with_hint("start Docker (or point DOCKER_HOST at one) and deploy again; or give the task an `image` instead of `build`"))
}

async fn run(args: &[String], stdin: Option<&str>) -> Result<(), ProviderError> {
    let operation = format!("docker {}", args.first().map_or("", String::as_str));
    let mut child = Command::new(docker_program())
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            ProviderError::new(
                ErrorKind::Precondition,
                &operation,
                format!("cannot run docker: {e}"),
            )
        })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .await
            .map_err(|e| ProviderError::new(ErrorKind::Other, &operation, e.to_string()))?;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| ProviderError::new(ErrorKind::Other, &operation, e.to_string()))?;
    if out.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = text.lines().rev().take(5).collect();
    Err(ProviderError::new(
        ErrorKind::Other,
        operation,
        tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
    ))
}

/// Logs in to the registry, builds and pushes.
pub async fn build_and_push(build: &ImageBuild, token: &str) -> Result<(), ProviderError> {
    let (user, password) = decode_token(token).ok_or_else(|| {
        ProviderError::new(
            ErrorKind::Other,
            "ecr:GetAuthorizationToken",
            "the token is not base64 of user:password",
        )
    })?;
    run(&build.login_args(&user), Some(&password)).await?;
    run(&build.build_args(), None).await?;
    run(&build.push_args(), None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        let b = ImageBuild {
            context: PathBuf::from("/p/ffmpeg"),
            dockerfile: "Dockerfile".into(),
            platform: "linux/amd64".into(),
            image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/t-dev-ffmpeg:b260124f3b6c87c9"
                .into(),
        };
        assert_eq!(
            b.build_args().join(" "),
            "build --platform linux/amd64 -f /p/ffmpeg/Dockerfile -t 123456789012.dkr.ecr.us-east-1.amazonaws.com/t-dev-ffmpeg:b260124f3b6c87c9 /p/ffmpeg"
        );
        assert_eq!(b.push_args().join(" "), format!("push {}", b.image));
        assert_eq!(
            b.login_args("AWS").join(" "),
            "login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com"
        );
        let token = aws_smithy_types::base64::encode("AWS:secret");
        assert_eq!(decode_token(&token), Some(("AWS".into(), "secret".into())));
    }

    #[tokio::test]
    async fn no_engine_is_a_precondition_in_plain_words() {
        std::env::set_var("INFRAC_DOCKER", "/nonexistent/docker");
        let err = check_engine("ffmpeg/image")
            .await
            .expect_err("no docker there");
        assert_eq!(err.kind, ErrorKind::Precondition);
        assert!(err.message.contains("needs a Docker engine"), "{err}");
        assert!(err.hint.as_deref().unwrap_or("").contains("image"), "{err}");
    }
}
