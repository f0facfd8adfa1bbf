//! Synthetic projects of any size, for benchmarks and load tests: realistic mixes of buckets,
//! functions, tasks, schedules and triggers that check clean (every `code` and `build` path is
//! under `./app`, which the caller provides or fakes).

use std::fmt::Write as _;

/// One group of declarations, about 20 lines and 5 resources: a bucket, a function, a task and
/// a schedule with their triggers.
fn group(out: &mut String, i: usize) {
    let _ = write!(
        out,
        r#"/// Uploads of group {i}.
bucket media_{i} {{
  versioning = true
}}

function thumb_{i} {{
  runtime = "nodejs24.x"
  handler = "index.handler"
  code = "./app"
  memory = 512MB
  timeout = 30s
  env = {{
    BUCKET = media_{i}.name
  }}
  reads media_{i}
  writes media_{i}("thumbs/*")
}}

task encode_{i} {{
  build = "./app"
  cpu = 1024
  memory = 2GB
  reads media_{i}
  writes media_{i}("encoded/*.mp4")
}}

schedule tick_{i} {{
  cron = "{minute} 3 * * *"
}}

media_{i}.on_put("uploads/*.jpg") -> function thumb_{i}
media_{i}.on_put("uploads/*.mov") -> task encode_{i} {{
  env = {{
    INPUT = event.key
    OUTPUT = "encoded/${{event.key}}.mp4"
  }}
}}
tick_{i}.on_tick() -> task encode_{i}

"#,
        minute = i % 60
    );
}

/// A project of `resources` declarations (rounded up to whole groups of four resources plus
/// their triggers), split over `files` files: `(file name, text)`.
pub fn project(resources: usize, files: usize) -> Vec<(String, String)> {
    let groups = resources.div_ceil(4).max(1);
    let files = files.clamp(1, groups);
    let mut texts = vec![String::new(); files];
    for i in 0..groups {
        group(&mut texts[i % files], i);
    }
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| (format!("part{i:03}.infra"), text))
        .collect()
}

/// A project of at least `lines` lines.
pub fn project_of_lines(lines: usize, files: usize) -> Vec<(String, String)> {
    let mut one = String::new();
    group(&mut one, 0);
    let per_group = one.lines().count().max(1);
    project(lines.div_ceil(per_group) * 4, files)
}
