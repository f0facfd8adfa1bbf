//! Protocol values to what the IDE layer speaks: positions to byte offsets (in the negotiated
//! encoding), ranges to spans, URIs to paths. The one other place (with `to_proto`) that
//! counts columns.

use crate::caps::Encoding;
use infrac_check::project::SourceFile;
use infrac_syntax::Span;
use ropey::Rope;
use serde_json::Value;
use std::path::PathBuf;
use tower_lsp_server::ls_types::{Position, Range, Uri, WorkspaceEdit};

/// The path of a `file:` URI; `None` for other schemes and relative paths.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let path = uri.to_file_path()?.into_owned();
    path.is_absolute().then_some(path)
}

/// What a completion item sent without its documentation carries (see
/// `to_proto::resolve_data`): the document, the position and the label.
pub fn resolve_data(data: &Value) -> Option<(Uri, Position, String)> {
    let uri = data.get("uri")?.as_str()?.parse().ok()?;
    let position = serde_json::from_value(data.get("position")?.clone()).ok()?;
    let label = data.get("label")?.as_str()?.to_string();
    Some((uri, position, label))
}

/// The one argument of `infrac.applyEdit`.
pub fn apply_edit_argument(arguments: &[Value]) -> Option<WorkspaceEdit> {
    match arguments {
        [edit] => serde_json::from_value(edit.clone()).ok(),
        _ => None,
    }
}

/// How many bytes of `line` the first `column` units cover (in `encoding`). A column past the
/// end means the end of the line (before its line break); a column inside a character means
/// that character's start.
fn line_bytes(encoding: Encoding, line: &str, column: u32) -> usize {
    let column = column as usize;
    let content = line.trim_end_matches(['\n', '\r']);
    match encoding {
        Encoding::Utf8 => {
            let mut at = column.min(content.len());
            while !content.is_char_boundary(at) {
                at -= 1;
            }
            at
        }
        Encoding::Utf16 => {
            let mut units = 0usize;
            for (i, c) in content.char_indices() {
                if units >= column {
                    return i;
                }
                units += c.len_utf16();
                if units > column {
                    // The column splits a surrogate pair: the character it splits.
                    return i;
                }
            }
            content.len()
        }
    }
}

/// The byte offset of a position in a file; `None` past the last line.
pub fn offset(encoding: Encoding, file: &SourceFile, position: Position) -> Option<usize> {
    let start = file.line_index().line_start(position.line as usize)?;
    let rest = &file.text[start..];
    let line = rest.split_inclusive('\n').next().unwrap_or("");
    Some(start + line_bytes(encoding, line, position.character))
}

/// The span of a range; a start past the last line is `None`, an end past it the file's end.
pub fn span(encoding: Encoding, file: &SourceFile, range: Range) -> Option<Span> {
    let start = offset(encoding, file, range.start)?;
    let end = offset(encoding, file, range.end)
        .unwrap_or(file.text.len())
        .max(start);
    Some(Span::new(start, end))
}

/// The char index of a position in an open document, clamped to the document.
pub fn char_index(encoding: Encoding, rope: &Rope, position: Position) -> usize {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let line_start = rope.line_to_char(line);
    let text: std::borrow::Cow<'_, str> = rope.line(line).into();
    let bytes = line_bytes(encoding, &text, position.character);
    line_start + text[..bytes].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use infrac_check::project::{build_project, Project};

    fn project(text: &str) -> Project {
        build_project(
            PathBuf::from("/p"),
            vec![(PathBuf::from("/p/main.infra"), text.as_bytes().to_vec())],
            None,
        )
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let text = "let a = \"😀é\"\nbucket b {}\n";
        let p = project(text);
        let f = &p.files[0];
        let after_emoji = text.find('é').expect("é");
        assert_eq!(
            offset(Encoding::Utf16, f, Position::new(0, 11)),
            Some(after_emoji)
        );
        // Inside a surrogate pair, a column means the character it splits.
        assert_eq!(
            offset(Encoding::Utf16, f, Position::new(0, 10)),
            text.find('😀')
        );
        assert_eq!(
            offset(Encoding::Utf16, f, Position::new(1, 999)),
            Some(text.len() - 1)
        );
        assert_eq!(offset(Encoding::Utf16, f, Position::new(9, 0)), None);
    }

    #[test]
    fn utf8_columns_are_bytes() {
        let text = "let a = \"😀é\"\nbucket b {}\n";
        let p = project(text);
        let f = &p.files[0];
        let after_emoji = text.find('é').expect("é");
        assert_eq!(
            offset(Encoding::Utf8, f, Position::new(0, after_emoji as u32)),
            Some(after_emoji)
        );
        // Inside a character: its start.
        assert_eq!(
            offset(Encoding::Utf8, f, Position::new(0, 11)),
            text.find('😀')
        );
        assert_eq!(
            offset(Encoding::Utf8, f, Position::new(1, 999)),
            Some(text.len() - 1)
        );
    }

    #[test]
    fn rope_positions_in_both_encodings() {
        let rope = Rope::from_str("let a = \"😀x\"\r\nbucket b {}\n");
        // `x` is after `let a = "` (9 units) and the emoji (2 UTF-16 units, 4 bytes).
        assert_eq!(
            rope.char(char_index(Encoding::Utf16, &rope, Position::new(0, 11))),
            'x'
        );
        assert_eq!(
            rope.char(char_index(Encoding::Utf8, &rope, Position::new(0, 13))),
            'x'
        );
        // Past the end of a line: before its line break.
        assert_eq!(
            char_index(Encoding::Utf16, &rope, Position::new(0, 999)),
            12
        );
        assert_eq!(
            char_index(Encoding::Utf8, &rope, Position::new(99, 0)),
            rope.len_chars()
        );
    }
}
