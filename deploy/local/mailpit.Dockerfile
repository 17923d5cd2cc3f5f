# Stand-in for axllent/mailpit: the project's own catcher (SMTP on 1025, a Mailpit-style API on
# 8025, and the SMS endpoint the notifier posts to), from the application image.
FROM vssid-backend:local
USER root
RUN mkdir -p /data/mail && chown vssid /data/mail
USER vssid
EXPOSE 1025 8025
CMD ["python", "-m", "vssid.catcher", "--host", "0.0.0.0", "--smtp-port", "1025", \
     "--http-port", "8025", "--data-dir", "/data/mail"]
