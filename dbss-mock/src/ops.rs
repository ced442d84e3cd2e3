//! The operations the mock routes, counts and faults: every operation of `openapi/dbss.json`,
//! from the table generated into `dbss-types` (`dbss_types::operations`).

pub use dbss_types::operations::{Operation, ParseOperationError};

/// The route axum is given for an operation: the template with its placeholders renamed by
/// position (`{p0}`, `{p1}`, ...). The document uses different names in the same position
/// (`/v1/{project_id}/...` and `/v1/{domain_id}/...`), which one router cannot hold; the
/// pipeline gives the values back their names with [`placeholders`].
pub(crate) fn route_template(op: Operation) -> String {
    let mut out = String::new();
    let mut index = 0;
    for segment in op.path_template().split('/').skip(1) {
        out.push('/');
        if segment.starts_with('{') && segment.ends_with('}') {
            out.push_str(&format!("{{p{index}}}"));
            index += 1;
        } else {
            out.push_str(segment);
        }
    }
    out
}

/// The names of the placeholders of an operation's path, in order.
pub(crate) fn placeholders(op: Operation) -> impl Iterator<Item = &'static str> {
    op.path_template()
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_methods_match_the_document() {
        let doc = crate::validate::document();
        for op in Operation::ALL {
            let item = doc
                .pointer(&op.document_pointer())
                .unwrap_or_else(|| panic!("{op}: path or method not in the document"));
            assert_eq!(
                item.get("operationId").and_then(|v| v.as_str()),
                Some(op.operation_id())
            );
        }
    }

    #[test]
    fn route_templates_rename_placeholders_by_position() {
        assert_eq!(
            route_template(Operation::DeleteAuditReport),
            "/v1/{p0}/audit/{p1}/reports/{p2}"
        );
        let names: Vec<&str> = placeholders(Operation::DeleteAuditReport).collect();
        assert_eq!(names, ["project_id", "instance_id", "id"]);
    }
}
