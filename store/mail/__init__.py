"""E-mail: the outbox written inside the core's transactions, and the mailer that delivers it
(SMTP when RESCIND_SMTP_URL is set, a local Maildir under var/mail otherwise)."""
