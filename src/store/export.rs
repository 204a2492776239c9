//! Collected answers in the formats people take them away in: CSV with one column per
//! question (what `switchboard collected --format csv` prints and the console downloads), with
//! every cell a spreadsheet would run as a formula defused.

use super::CollectedRow;

/// CSV with one column per question name seen, so a spreadsheet gets one answer per cell.
pub fn to_csv(rows: &[CollectedRow]) -> String {
    let mut questions: Vec<String> = Vec::new();
    for row in rows {
        for answer in &row.answers {
            if !questions.contains(&answer.question) {
                questions.push(answer.question.clone());
            }
        }
    }
    let mut out = String::new();
    let mut header: Vec<String> = [
        "id",
        "call",
        "channel",
        "caller",
        "task",
        "collect",
        "status",
        "started_at",
        "finished_at",
    ]
    .map(String::from)
    .to_vec();
    header.extend(questions.iter().cloned());
    out.push_str(
        &header
            .iter()
            .map(|h| csv_cell(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push('\n');
    for row in rows {
        let mut cells = vec![
            row.id.to_string(),
            row.session.clone(),
            row.channel.clone(),
            row.caller.clone().unwrap_or_default(),
            row.task.clone(),
            row.collect.clone(),
            row.status.clone(),
            row.started_at.clone(),
            row.finished_at.clone().unwrap_or_default(),
        ];
        for q in &questions {
            cells.push(
                row.answers
                    .iter()
                    .find(|a| &a.question == q)
                    .map(|a| a.value.clone())
                    .unwrap_or_default(),
            );
        }
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

/// Quotes a CSV cell when needed, and defuses text a spreadsheet would run as a formula
/// (answers are what strangers said). A phone number like `+14155550123` is left as it is.
fn csv_cell(value: &str) -> String {
    let formula = match value.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !value[1..].chars().all(|c| c.is_ascii_digit()),
        _ => false,
    };
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("Jason"), "Jason");
        assert_eq!(csv_cell("+14155550123"), "+14155550123");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
    }
}
