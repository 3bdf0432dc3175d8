//! The in-app inbox's read mark on both engines: messages newer than the mark are unread; the
//! mark never moves back; email-only messages are never counted; each account has its own.

use crate::ports::{account, postgres, province_with_citizen, sqlite};
use tinhso_policy::Role;
use tinhso_store::{Notification, Stores};

#[tokio::test]
async fn inbox_read_marks_sqlite() {
    read_marks(sqlite().await).await;
}

#[tokio::test]
async fn inbox_read_marks_postgres() {
    read_marks(postgres().await).await;
}

async fn read_marks(s: Stores) {
    let citizen = province_with_citizen(&s).await;
    let other = s.identity.create_account(&account("0987000111", "Khác", Role::Citizen, None, None)).await.unwrap();
    let note = |to, subject: &str| Notification::new(to, subject, "…");
    assert_eq!(s.notify.unread(citizen).await.unwrap(), 0);
    s.notify.send_alert("a", &[note(citizen, "một"), note(citizen, "hai"), note(other, "ba")]).await.unwrap();
    assert_eq!((s.notify.unread(citizen).await.unwrap(), s.notify.unread(other).await.unwrap()), (2, 1));
    let inbox = s.notify.inbox(citizen).await.unwrap();
    s.notify.mark_read(citizen, inbox[0].id).await.unwrap();
    assert_eq!((s.notify.unread(citizen).await.unwrap(), s.notify.unread(other).await.unwrap()), (0, 1));
    s.notify.mark_read(citizen, inbox[1].id).await.unwrap();
    s.notify.send_alert("b", &[note(citizen, "bốn")]).await.unwrap();
    assert_eq!(s.notify.unread(citizen).await.unwrap(), 1, "the mark did not move back");
    // A reset code mailed is in no inbox, and so never unread.
    let at = chrono::Utc::now() + chrono::Duration::hours(1);
    s.identity.issue_email_reset(citizen, &[1; 32], at, &note(citizen, "mã")).await.unwrap();
    assert_eq!(s.notify.unread(citizen).await.unwrap(), 1);
    // An inbox never read is counted up to 100 only.
    let many: Vec<Notification> = (0..120).map(|i| note(other, &format!("tin {i}"))).collect();
    s.notify.send_alert("c", &many).await.unwrap();
    assert_eq!(s.notify.unread(other).await.unwrap(), 100);
}
