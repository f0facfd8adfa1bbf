//! `infrac explain CODE`: what a diagnostic code means, with a wrong and a fixed example and
//! the AWS rule behind it, like `rustc --explain`. The text is `infrac_check::explain`'s, the
//! same that `docs/reference.md` is generated from.

use super::EXIT_CANNOT_RUN;
use infrac_check::explain::explain;
use infrac_syntax::Code;
use std::process::ExitCode;

pub fn run(code: &str) -> ExitCode {
    let wanted = code.trim().to_ascii_uppercase();
    if let Some(code) = Code::parse(&wanted) {
        print!("{}", explain(code).to_text());
        return ExitCode::SUCCESS;
    }
    let all: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    eprintln!(
        "error: `{code}` is not an infrac diagnostic code; the codes are {}",
        all.join(", ")
    );
    ExitCode::from(EXIT_CANNOT_RUN)
}
