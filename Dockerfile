# Production image: one image, four roles (web, worker, beat, simulator) chosen by command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 app && mkdir -p var/exports && chown -R app var
USER app
EXPOSE 8000
# rewards_admin/gunicorn.conf.py: access log on stdout without query strings (no contact data).
CMD ["gunicorn", "rewards_admin.wsgi", "--config", "rewards_admin/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4"]
