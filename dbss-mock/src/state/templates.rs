//! The report templates every instance has.

use dbss_types::{TemplateBean, TemplateGroup, TemplateStatus, TemplateType};

use super::DOC_TEMPLATE_ID;

fn template(
    id: &str,
    name: &str,
    desc: &str,
    frequency: &str,
    group: TemplateGroup,
    type_: TemplateType,
) -> TemplateBean {
    TemplateBean {
        id: Some(id.into()),
        name: Some(name.into()),
        desc: Some(desc.into()),
        db_ids: Some(String::new()),
        db_names: Some(String::new()),
        frequency: Some(frequency.into()),
        group: Some(group),
        status: Some(TemplateStatus::On),
        type_: Some(type_),
    }
}

pub(crate) fn seed_templates() -> Vec<TemplateBean> {
    vec![
        template(
            DOC_TEMPLATE_ID,
            "Database security compliance report",
            "Compliance with database security standards",
            "WEEK",
            TemplateGroup::Compliance,
            TemplateType::Compliance,
        ),
        template(
            "Kq3mLJgBTpKZyZbbfTgS",
            "Database security comprehensive report",
            "Risks, sessions and statements of all audited databases",
            "DAY",
            TemplateGroup::Comprehensive,
            TemplateType::Comprehensive,
        ),
        template(
            "Rw5nLJgBTpKZyZbbgTgS",
            "SOX compliance report",
            "Sarbanes-Oxley audit items",
            "MONTH",
            TemplateGroup::Compliance,
            TemplateType::Sox,
        ),
        template(
            "Pz7pLJgBTpKZyZbbiTgS",
            "PCI-DSS compliance report",
            "Payment card industry audit items",
            "MONTH",
            TemplateGroup::Compliance,
            TemplateType::Pci,
        ),
        template(
            "Db9rLJgBTpKZyZbbjTgS",
            "Database analysis report",
            "Statement volume and risk per database",
            "WEEK",
            TemplateGroup::DbSpecial,
            TemplateType::DbAnalysis,
        ),
        template(
            "Ci2sLJgBTpKZyZbbkTgS",
            "Client IP analysis report",
            "Statement volume and risk per client address",
            "WEEK",
            TemplateGroup::ClientSpecial,
            TemplateType::ClientIpAnalysis,
        ),
        template(
            "Dm4tLJgBTpKZyZbblTgS",
            "DML command report",
            "INSERT, UPDATE and DELETE statements",
            "DAY",
            TemplateGroup::SqlSpecial,
            TemplateType::SqlDmlCommand,
        ),
    ]
}
