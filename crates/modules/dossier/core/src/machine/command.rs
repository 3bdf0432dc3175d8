//! Commands: what someone asks to do to a dossier, parsed once for the API and the pages, and
//! their kinds, by which the state machine and the policy tables are keyed.

use super::Refusal;
use crate::{Rating, ReturnMethod};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tinhso_kernel::ids::{AccountId, AgencyCode, Sha256};

/// Who issues a command. Which staff role and agency may do it is the policy module's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Applicant,
    Staff,
}

/// What someone asks to do to an existing dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Receive,
    Refuse {
        reason: String,
    },
    RequestSupplement {
        items: Vec<String>,
        reason: String,
    },
    Supplement {
        note: String,
        /// SHA-256 of files from the applicant's document store sent with the supplement.
        #[serde(default)]
        files: Vec<Sha256>,
    },
    RequestPayment {
        amount_vnd: u64,
    },
    RecordPayment {
        online: bool,
    },
    StartProcessing,
    CompleteStep {
        note: String,
        /// Who takes the next step; anyone with its role at the agency when absent.
        #[serde(default)]
        next_assignee: Option<AccountId>,
    },
    /// A leader (re)assigns the current step.
    Assign {
        assignee: AccountId,
    },
    Transfer {
        to_agency: AgencyCode,
        note: String,
    },
    Approve {
        electronic_result: bool,
        /// SHA-256 of the signed result file, when issued electronically.
        #[serde(default)]
        result: Option<Sha256>,
    },
    Return {
        method: ReturnMethod,
    },
    Withdraw {
        reason: String,
    },
    Stop {
        reason: String,
    },
    Apologise {
        reason: String,
        new_due_on: NaiveDate,
    },
    Rate {
        rating: Rating,
        comment: String,
    },
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        use CommandKind as K;
        match self {
            Self::Receive => K::Receive,
            Self::Refuse { .. } => K::Refuse,
            Self::RequestSupplement { .. } => K::RequestSupplement,
            Self::Supplement { .. } => K::Supplement,
            Self::RequestPayment { .. } => K::RequestPayment,
            Self::RecordPayment { .. } => K::RecordPayment,
            Self::StartProcessing => K::StartProcessing,
            Self::CompleteStep { .. } => K::CompleteStep,
            Self::Assign { .. } => K::Assign,
            Self::Transfer { .. } => K::Transfer,
            Self::Approve { .. } => K::Approve,
            Self::Return { .. } => K::Return,
            Self::Withdraw { .. } => K::Withdraw,
            Self::Stop { .. } => K::Stop,
            Self::Apologise { .. } => K::Apologise,
            Self::Rate { .. } => K::Rate,
        }
    }

    pub fn key(&self) -> &'static str {
        self.kind().key()
    }

    /// The one parser of commands: the API's JSON body and the pages' forms (turned into the
    /// same JSON by `tinhso_http::command_form`) both come through here, so a value the API
    /// refuses is refused on a page too, and nothing is coerced to a default.
    pub fn from_json(v: serde_json::Value) -> Result<Command, Refusal> {
        let refuse = |e: &dyn std::fmt::Display| Refusal {
            code: "invalid_body",
            vi: format!("Thao tác hoặc dữ liệu kèm theo không hợp lệ ({e})"),
            en: format!("Invalid action or action data ({e})"),
        };
        let sent: Vec<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        let cmd: Command = serde_json::from_value(v).map_err(|e| refuse(&e))?;
        // serde lets a data-less command (`receive`) carry any other field; refuse those too.
        let known = serde_json::to_value(&cmd).map_err(|e| refuse(&e))?;
        match sent.iter().find(|k| known.get(k.as_str()).is_none()) {
            Some(k) => Err(refuse(&format!("unknown field `{k}`"))),
            None => Ok(cmd),
        }
    }
}

/// Which command, without its data: the state machine's and the policy's tables are keyed by
/// it, and every match over it is exhaustive, so a new command cannot slip through either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommandKind {
    Receive,
    Refuse,
    RequestSupplement,
    Supplement,
    RequestPayment,
    RecordPayment,
    StartProcessing,
    CompleteStep,
    Assign,
    Transfer,
    Approve,
    Return,
    Withdraw,
    Stop,
    Apologise,
    Rate,
}

impl CommandKind {
    /// Every command, in the order pages offer them: what moves the dossier forward first, then
    /// giving work, then what asks the applicant or another agency, and last what ends the dossier
    /// or turns it away (UI.md: "a destructive action never comes before the main one").
    pub const ALL: [CommandKind; 16] = [
        Self::Receive,
        Self::StartProcessing,
        Self::CompleteStep,
        Self::Approve,
        Self::Return,
        Self::Supplement,
        Self::RecordPayment,
        Self::Rate,
        Self::Assign,
        Self::RequestSupplement,
        Self::RequestPayment,
        Self::Transfer,
        Self::Apologise,
        Self::Refuse,
        Self::Stop,
        Self::Withdraw,
    ];

    /// The wire name (the `action` tag of a command).
    pub fn key(self) -> &'static str {
        match self {
            Self::Receive => "receive",
            Self::Refuse => "refuse",
            Self::RequestSupplement => "request_supplement",
            Self::Supplement => "supplement",
            Self::RequestPayment => "request_payment",
            Self::RecordPayment => "record_payment",
            Self::StartProcessing => "start_processing",
            Self::CompleteStep => "complete_step",
            Self::Assign => "assign",
            Self::Transfer => "transfer",
            Self::Approve => "approve",
            Self::Return => "return",
            Self::Withdraw => "withdraw",
            Self::Stop => "stop",
            Self::Apologise => "apologise",
            Self::Rate => "rate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == s)
    }

    /// Who issues it: the applicant (on their own dossier) or staff.
    pub fn party(self) -> Party {
        match self {
            Self::Supplement | Self::Withdraw | Self::Rate => Party::Applicant,
            Self::Receive
            | Self::Refuse
            | Self::RequestSupplement
            | Self::RequestPayment
            | Self::RecordPayment
            | Self::StartProcessing
            | Self::CompleteStep
            | Self::Assign
            | Self::Transfer
            | Self::Approve
            | Self::Return
            | Self::Stop
            | Self::Apologise => Party::Staff,
        }
    }

    /// Finishes the current step of the process, which only the step's holder may do.
    pub fn finishes_step(self) -> bool {
        matches!(self, Self::CompleteStep | Self::Approve)
    }
}
