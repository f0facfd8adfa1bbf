//! What a run's progress looks like, as text: pure functions from [`Event`]s to lines, so the
//! CLI only moves the cursor and writes.
//!
//! - On a terminal, a [`Board`]: one line per resource, in plan order, redrawn in place
//!   (`waiting`, `creating 3.2s`, `created in 0.4s`, `failed: ...`). When the board is
//!   taller than the terminal, finished lines at its top are printed for good above the live
//!   part, and what still does not fit is summed up in one last line.
//! - Elsewhere (a pipe, a file, CI), [`plain_line`]: one line when a resource starts and one
//!   when it ends.

use crate::engine::{Event, Phase};
use infrac_plan::{Action, ResourceType};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

/// One line per resource as the engine reports it; times are offsets from the run's start.
#[derive(Clone, Debug)]
pub struct Board {
    rows: Vec<Row>,
    index: HashMap<String, usize>,
    /// Rows `[0, committed)` were printed for good above the live part.
    committed: usize,
    id_width: usize,
    type_width: usize,
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    id: String,
    ty: &'static str,
    status: Status,
    /// What its running call waits for, as the provider last said.
    note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Waiting,
    Running { phase: Phase, since: Duration },
    Done { action: Action, elapsed: Duration },
    Failed { message: String },
}

/// The terminal's size in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub rows: usize,
    pub cols: usize,
}

/// What to write for one redraw: `commit` lines go above the live part and are never drawn
/// again; `live` lines replace the previous live part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    pub commit: Vec<String>,
    pub live: Vec<String>,
}

/// The widest id column; longer ids push their line's type over.
const MAX_ID_WIDTH: usize = 48;

impl Board {
    /// A board of these steps (`id`, type), all waiting.
    pub fn new<'a>(steps: impl IntoIterator<Item = (&'a str, ResourceType)>) -> Board {
        let rows: Vec<Row> = steps
            .into_iter()
            .map(|(id, ty)| Row {
                id: id.to_string(),
                ty: ty.as_str(),
                status: Status::Waiting,
                note: None,
            })
            .collect();
        let index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let id_width = rows
            .iter()
            .map(|r| r.id.chars().count())
            .max()
            .unwrap_or(0)
            .min(MAX_ID_WIDTH);
        let type_width = rows.iter().map(|r| r.ty.len()).max().unwrap_or(0);
        Board {
            rows,
            index,
            committed: 0,
            id_width,
            type_width,
        }
    }

    /// Takes in an event that happened `at` into the run.
    pub fn apply(&mut self, event: &Event, at: Duration) {
        let (id, status) = match event {
            Event::Started { id, phase, .. } => {
                // A replace starts twice (delete, then create): its clock runs from the first.
                let since = match self.index.get(id).map(|&i| &self.rows[i].status) {
                    Some(Status::Running { since, .. }) => *since,
                    _ => at,
                };
                (
                    id,
                    Status::Running {
                        phase: *phase,
                        since,
                    },
                )
            }
            Event::Done {
                id,
                action,
                elapsed,
            } => (
                id,
                Status::Done {
                    action: *action,
                    elapsed: *elapsed,
                },
            ),
            Event::Failed { id, message, .. } => (
                id,
                Status::Failed {
                    message: message.clone(),
                },
            ),
            Event::Note { id, text } => {
                if let Some(&i) = self.index.get(id) {
                    if matches!(self.rows[i].status, Status::Running { .. }) {
                        self.rows[i].note = Some(text.clone());
                    }
                }
                return;
            }
            Event::Waiting { .. } | Event::Refreshed { .. } => return,
        };
        if let Some(&i) = self.index.get(id) {
            self.rows[i].status = status;
            self.rows[i].note = None;
        }
    }

    /// Whether every resource has finished (done or failed).
    pub fn finished(&self) -> bool {
        self.rows.iter().all(Row::finished)
    }

    /// The lines to draw `now` into the run, on a terminal of `size`. Lines never exceed the
    /// terminal's width (a wrapped line would break moving the cursor back over them), and
    /// the live part stays shorter than its height.
    pub fn frame(&mut self, now: Duration, size: Size, color: bool) -> Frame {
        let max_live = size.rows.saturating_sub(1).max(2);
        let mut commit = Vec::new();
        // Finished lines at the top make room, printed once for good.
        while self.rows.len() - self.committed > max_live && self.rows[self.committed].finished() {
            commit.push(self.line(&self.rows[self.committed], now, size.cols, color));
            self.committed += 1;
        }
        let open = &self.rows[self.committed..];
        let mut live: Vec<String> = Vec::new();
        if open.len() <= max_live {
            live.extend(open.iter().map(|r| self.line(r, now, size.cols, color)));
        } else {
            let shown = max_live - 1;
            live.extend(
                open[..shown]
                    .iter()
                    .map(|r| self.line(r, now, size.cols, color)),
            );
            let rest = &open[shown..];
            let count = |f: fn(&Status) -> bool| rest.iter().filter(|r| f(&r.status)).count();
            let mut text = format!("  ... and {} more:", rest.len());
            for (n, word) in [
                (count(|s| matches!(s, Status::Running { .. })), "running"),
                (count(|s| matches!(s, Status::Waiting)), "waiting"),
                (count(|s| matches!(s, Status::Done { .. })), "done"),
                (count(|s| matches!(s, Status::Failed { .. })), "failed"),
            ] {
                if n > 0 {
                    let _ = write!(text, " {n} {word},");
                }
            }
            text.pop();
            live.push(paint(color, "2", &truncate(&text, size.cols)));
        }
        Frame { commit, live }
    }

    fn line(&self, row: &Row, now: Duration, cols: usize, color: bool) -> String {
        let (status, code) = match &row.status {
            Status::Waiting => ("waiting".to_string(), "2"),
            Status::Running { phase, since } => {
                let mut text = format!(
                    "{} {:.1}s",
                    phase.as_str(),
                    now.saturating_sub(*since).as_secs_f64()
                );
                if let Some(note) = &row.note {
                    let _ = write!(text, ": {note}");
                }
                (text, "33")
            }
            Status::Done { action, elapsed } => (
                format!("{} in {:.1}s", done_word(*action), elapsed.as_secs_f64()),
                "32",
            ),
            Status::Failed { message } => (format!("failed: {message}"), "31"),
        };
        let head = format!(
            "  {:<iw$}  {:<tw$}  ",
            row.id,
            row.ty,
            iw = self.id_width,
            tw = self.type_width
        );
        let room = cols.saturating_sub(1).saturating_sub(head.chars().count());
        if room == 0 {
            return truncate(&head, cols);
        }
        format!("{head}{}", paint(color, code, &truncate(&status, room + 1)))
    }
}

impl Row {
    fn finished(&self) -> bool {
        matches!(self.status, Status::Done { .. } | Status::Failed { .. })
    }
}

/// The line for an event where the output is not a terminal: one as a resource starts, one
/// as it ends. `ty` is the resource's type.
pub fn plain_line(event: &Event, ty: &str, color: bool) -> Option<String> {
    match event {
        Event::Started { id, phase, .. } => Some(format!("  {} {id}  {ty}", phase.as_str())),
        Event::Done {
            id,
            action,
            elapsed,
        } => Some(format!(
            "  {} {id}  {ty}  ({:.1}s)",
            paint(color, "32", done_word(*action)),
            elapsed.as_secs_f64()
        )),
        Event::Failed { id, message, .. } => Some(format!(
            "  {} {id}  {ty}: {message}",
            paint(color, "31", "failed")
        )),
        Event::Note { id, text } => Some(format!("  {id}  {ty}: {text}")),
        Event::Refreshed { .. } | Event::Waiting { .. } => None,
    }
}

pub fn done_word(action: Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update => "updated",
        Action::Replace => "replaced",
        Action::Delete => "deleted",
    }
}

fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// At most `cols - 1` characters (the last column is left free: writing into it makes some
/// terminals wrap early); cut text ends with `…`.
fn truncate(text: &str, cols: usize) -> String {
    let max = cols.saturating_sub(1);
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDE: Size = Size {
        rows: 40,
        cols: 100,
    };

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn board() -> Board {
        Board::new([
            ("media", ResourceType::S3Bucket),
            ("on_thumbnail/role", ResourceType::IamRole),
            ("on_thumbnail", ResourceType::LambdaFunction),
        ])
    }

    fn started(id: &str, phase: Phase) -> Event {
        Event::Started {
            id: id.into(),
            action: Action::Create,
            phase,
        }
    }

    fn done(id: &str, action: Action, elapsed: f64) -> Event {
        Event::Done {
            id: id.into(),
            action,
            elapsed: secs(elapsed),
        }
    }

    #[test]
    fn every_resource_starts_waiting() {
        let frame = board().frame(Duration::ZERO, WIDE, false);
        assert_eq!(frame.commit, Vec::<String>::new());
        assert_eq!(
            frame.live,
            vec![
                "  media              aws:s3:Bucket        waiting",
                "  on_thumbnail/role  aws:iam:Role         waiting",
                "  on_thumbnail       aws:lambda:Function  waiting",
            ]
        );
    }

    #[test]
    fn a_note_from_the_provider_follows_the_clock_until_the_step_ends() {
        let mut b = Board::new([("gallery", ResourceType::EcsService)]);
        let note = |text: &str| Event::Note {
            id: "gallery".into(),
            text: text.into(),
        };
        // A note for a step not running is dropped.
        b.apply(&note("too early"), secs(0.0));
        b.apply(&started("gallery", Phase::Creating), secs(0.0));
        b.apply(
            &note("waiting for a stable deployment: 1 of 2 tasks running"),
            secs(6.0),
        );
        let frame = b.frame(secs(7.5), WIDE, false);
        assert_eq!(
            frame.live,
            vec!["  gallery  aws:ecs:Service  creating 7.5s: waiting for a stable deployment: 1 of 2 tasks running"]
        );
        b.apply(&done("gallery", Action::Create, 42.0), secs(42.0));
        let frame = b.frame(secs(43.0), WIDE, false);
        assert_eq!(
            frame.live,
            vec!["  gallery  aws:ecs:Service  created in 42.0s"]
        );
        assert_eq!(
            plain_line(&note("rolled back"), "aws:ecs:Service", false).as_deref(),
            Some("  gallery  aws:ecs:Service: rolled back")
        );
    }

    #[test]
    fn a_running_step_shows_its_clock_and_a_finished_one_its_time() {
        let mut b = board();
        b.apply(&started("media", Phase::Creating), secs(0.0));
        b.apply(&started("on_thumbnail/role", Phase::Creating), secs(0.5));
        let frame = b.frame(secs(3.7), WIDE, false);
        assert_eq!(
            frame.live[0],
            "  media              aws:s3:Bucket        creating 3.7s"
        );
        assert_eq!(
            frame.live[1],
            "  on_thumbnail/role  aws:iam:Role         creating 3.2s"
        );
        b.apply(&done("media", Action::Create, 3.9), secs(3.9));
        b.apply(
            &Event::Failed {
                id: "on_thumbnail/role".into(),
                action: Action::Create,
                message: "iam:CreateRole failed: AccessDenied".into(),
            },
            secs(4.0),
        );
        let frame = b.frame(secs(5.0), WIDE, false);
        assert_eq!(
            frame.live,
            vec![
                "  media              aws:s3:Bucket        created in 3.9s",
                "  on_thumbnail/role  aws:iam:Role         failed: iam:CreateRole failed: AccessDenied",
                "  on_thumbnail       aws:lambda:Function  waiting",
            ]
        );
        assert!(!b.finished());
        b.apply(&done("on_thumbnail", Action::Create, 0.0), secs(5.0));
        assert!(b.finished());
    }

    #[test]
    fn a_replace_keeps_its_first_start_and_unknown_ids_are_ignored() {
        let mut b = board();
        b.apply(&started("on_thumbnail", Phase::Deleting), secs(1.0));
        b.apply(&started("on_thumbnail", Phase::Creating), secs(2.0));
        b.apply(&started("not-in-the-plan", Phase::Creating), secs(2.0));
        b.apply(
            &Event::Waiting {
                id: "media".into(),
                action: Action::Create,
            },
            secs(2.0),
        );
        let frame = b.frame(secs(3.0), WIDE, false);
        assert_eq!(frame.live.len(), 3);
        assert!(
            frame.live[2].ends_with("creating 2.0s"),
            "{}",
            frame.live[2]
        );
        let words: Vec<&str> = [
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
        ]
        .map(done_word)
        .to_vec();
        assert_eq!(words, vec!["created", "updated", "replaced", "deleted"]);
    }

    #[test]
    fn colour_paints_only_the_status() {
        let mut b = board();
        b.apply(&started("media", Phase::Updating), secs(0.0));
        b.apply(&done("on_thumbnail/role", Action::Update, 0.25), secs(0.3));
        let frame = b.frame(secs(1.0), WIDE, true);
        assert_eq!(
            frame.live[0],
            "  media              aws:s3:Bucket        \x1b[33mupdating 1.0s\x1b[0m"
        );
        assert_eq!(
            frame.live[1],
            "  on_thumbnail/role  aws:iam:Role         \x1b[32mupdated in 0.2s\x1b[0m"
        );
        assert_eq!(
            frame.live[2],
            "  on_thumbnail       aws:lambda:Function  \x1b[2mwaiting\x1b[0m"
        );
    }

    #[test]
    fn no_line_is_as_wide_as_the_terminal() {
        let mut b = board();
        b.apply(
            &Event::Failed {
                id: "media".into(),
                action: Action::Create,
                message: "x".repeat(200),
            },
            secs(0.0),
        );
        for cols in [10, 30, 45, 80] {
            let frame = b.frame(secs(1.0), Size { rows: 40, cols }, false);
            for line in &frame.live {
                assert!(line.chars().count() < cols, "{cols}: {line:?}");
            }
        }
        let narrow = b.frame(secs(1.0), Size { rows: 40, cols: 50 }, false);
        assert_eq!(
            narrow.live[0],
            "  media              aws:s3:Bucket        failed…"
        );
    }

    #[test]
    fn a_board_taller_than_the_terminal_commits_finished_lines_and_sums_up_the_rest() {
        let ids: Vec<String> = (0..10).map(|i| format!("f{i}")).collect();
        let mut b = Board::new(
            ids.iter()
                .map(|id| (id.as_str(), ResourceType::LambdaFunction)),
        );
        let small = Size { rows: 5, cols: 80 };
        // Nothing finished: the live part is 4 lines, the last one sums up what is hidden.
        b.apply(&started("f0", Phase::Creating), secs(0.0));
        let frame = b.frame(secs(1.0), small, false);
        assert!(frame.commit.is_empty());
        assert_eq!(frame.live.len(), 4);
        assert_eq!(frame.live[3], "  ... and 7 more: 7 waiting");
        // f0..f3 done: they are committed, to make room, and f4 (running) stops that.
        for id in ["f0", "f1", "f2", "f3"] {
            b.apply(&done(id, Action::Create, 0.5), secs(1.0));
        }
        b.apply(&started("f4", Phase::Creating), secs(1.0));
        b.apply(&started("f9", Phase::Creating), secs(1.0));
        let frame = b.frame(secs(2.0), small, false);
        assert_eq!(frame.commit.len(), 4);
        assert!(
            frame.commit[0].starts_with("  f0  ") && frame.commit[0].ends_with("created in 0.5s")
        );
        assert_eq!(frame.live.len(), 4);
        assert!(frame.live[0].starts_with("  f4") && frame.live[0].ends_with("creating 1.0s"));
        assert_eq!(frame.live[3], "  ... and 3 more: 1 running, 2 waiting");
        // Committed lines are never given again.
        let again = b.frame(secs(2.5), small, false);
        assert!(again.commit.is_empty());
        // At the end everything fits or was committed.
        for id in &ids[4..] {
            b.apply(&done(id, Action::Create, 0.5), secs(3.0));
        }
        let last = b.frame(secs(3.0), small, false);
        assert_eq!(last.commit.len() + last.live.len(), 6);
        assert!(last.live.iter().all(|l| l.ends_with("created in 0.5s")));
    }

    #[test]
    fn plain_lines_say_when_each_resource_starts_and_ends() {
        let ty = "aws:s3:Bucket";
        assert_eq!(
            plain_line(&started("media", Phase::Creating), ty, false).as_deref(),
            Some("  creating media  aws:s3:Bucket")
        );
        assert_eq!(
            plain_line(&done("media", Action::Create, 0.44), ty, false).as_deref(),
            Some("  created media  aws:s3:Bucket  (0.4s)")
        );
        assert_eq!(
            plain_line(
                &Event::Failed {
                    id: "media".into(),
                    action: Action::Create,
                    message: "boom".into()
                },
                ty,
                true
            )
            .as_deref(),
            Some("  \x1b[31mfailed\x1b[0m media  aws:s3:Bucket: boom")
        );
        assert_eq!(
            plain_line(
                &Event::Waiting {
                    id: "media".into(),
                    action: Action::Create
                },
                ty,
                false
            ),
            None
        );
    }
}
