//! Cells a spreadsheet would take for a formula. Excel and WPS open a CSV file as a sheet and
//! treat a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return) as a formula:
//! a name written as `=HYPERLINK(…)` would run when the roster is opened. A written cell that
//! starts so gets a leading apostrophe, the spreadsheets' own mark for "this is text", and a
//! read cell loses it again, so a roster round-trips exactly.

use std::borrow::Cow;

const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell`, past any apostrophes it already starts with, would start a formula.
fn would_trigger(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(TRIGGERS)
}

/// `cell` as written to a CSV file: with one more leading apostrophe if it would start a formula.
pub fn neutralised(cell: &str) -> Cow<'_, str> {
    if would_trigger(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `cell` as read: a neutralised cell without the apostrophe it was given.
pub fn restored(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if would_trigger(cell) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_a_formula_are_written_as_text_and_read_back_exactly() {
        let cases = [
            (
                "=HYPERLINK(\"http://x\",\"张三\")",
                "'=HYPERLINK(\"http://x\",\"张三\")",
            ),
            ("+86 532", "'+86 532"),
            ("-1200.00", "'-1200.00"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("'=1", "''=1"),
            ("张三", "张三"),
            ("1200.00", "1200.00"),
            ("'quoted", "'quoted"),
            ("", ""),
            ("a=b", "a=b"),
        ];
        for (value, written) in cases {
            assert_eq!(neutralised(value), written, "{value:?}");
            assert_eq!(restored(written), value, "{written:?}");
        }
        // A hand-made file may mark text the spreadsheet's way; the mark is not part of it.
        assert_eq!(restored("'-5"), "-5");
    }
}
