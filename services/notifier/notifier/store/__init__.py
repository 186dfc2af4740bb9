"""The notifier's own database: inbox, accounts replica, sent-mail log."""
