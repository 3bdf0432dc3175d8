//! Who may do what in the open-data portal: every CKAN action and page command maps to one
//! `tinhso_policy::Action`, exhaustively, so the role table in the policy crate decides.

use tinhso_kernel::ids::AgencyCode;
use tinhso_policy::Action;

/// What someone asks of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    /// Create, update, patch or delete a dataset or its resources.
    EditDataset,
    /// See a private dataset or a draft.
    ReadPrivate,
    /// Themes, harvest sources, loading tables into the data store for any publisher.
    ManagePortal,
}

impl CommandKind {
    pub const ALL: [Self; 3] = [Self::EditDataset, Self::ReadPrivate, Self::ManagePortal];
}

/// The policy action a command on `agency`'s data needs.
pub fn action(kind: CommandKind, agency: &AgencyCode) -> Action {
    match kind {
        CommandKind::EditDataset => Action::PublishData { agency: agency.clone() },
        CommandKind::ReadPrivate => Action::ViewPrivateData { agency: agency.clone() },
        CommandKind::ManagePortal => Action::ManageDataPortal,
    }
}
