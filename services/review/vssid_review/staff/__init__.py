"""Staff sign-in: operator passwords and TOTP, browser sessions, CSRF (issue 16 item 5)."""
