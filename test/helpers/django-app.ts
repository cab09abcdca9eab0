// A real Django admin for conformance tests: a throwaway project in a temporary folder (sqlite
// database, the admin app, migrated, users created with passwords from the environment), served
// by Django's own development server on a free port with Debian's python3-django, and removed
// when stopped. Django is not an npm package: scripts/install-test-deps.sh installs it.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/** Debian's interpreter, whose dist-packages hold python3-django (a pyenv `python3` would not). */
export const PYTHON = '/usr/bin/python3';

const run = promisify(execFile);

/** Why Django cannot run here, or undefined when it can (for a test's `skip`). */
export async function djangoMissing(): Promise<string | undefined> {
  try {
    await run(PYTHON, ['-c', 'import django']);
    return undefined;
  } catch {
    return `Django is not importable by ${PYTHON}: run scripts/install-test-deps.sh (apt-get install python3-django)`;
  }
}

export interface DjangoUser {
  readonly name: string;
  readonly password: string;
}

export interface DjangoApp {
  readonly url: string;
  /** Runs `manage.py shell -c CODE` in the project; resolves with what it printed. */
  shell(code: string): Promise<string>;
  /** The number of sessions in Django's session table that have not expired. */
  liveSessions(): Promise<number>;
  stop(): Promise<void>;
}

const SETTINGS = `
import os
import django
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = 'throwaway-test-project-' + os.urandom(16).hex()
DEBUG = True
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
INSTALLED_APPS = [
    'django.contrib.admin', 'django.contrib.auth', 'django.contrib.contenttypes',
    'django.contrib.sessions', 'django.contrib.messages', 'django.contrib.staticfiles',
]
MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
    'django.middleware.clickjacking.XFrameOptionsMiddleware',
]
ROOT_URLCONF = 'urls'
TEMPLATES = [{
    'BACKEND': 'django.template.backends.django.DjangoTemplates',
    'APP_DIRS': True,
    'OPTIONS': {'context_processors': [
        'django.template.context_processors.request',
        'django.contrib.auth.context_processors.auth',
        'django.contrib.messages.context_processors.messages',
    ]},
}]
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.path.join(BASE_DIR, 'db.sqlite3')}}
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
# A throwaway project's passwords need no slow hash (Django's own advice for tests): PBKDF2's
# hundreds of thousands of rounds cost ~0.3 s of CPU at every sign-in and password change.
PASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']
STATIC_URL = '/static/'
USE_TZ = True
# Django 4 checks the Origin of a form post against the host it serves; behind the gateway the
# browser's origin is the gateway's (a deployment lists its public origin here the same way).
CSRF_TRUSTED_ORIGINS = [os.environ['GATEWAY_ORIGIN']] if django.VERSION >= (4, 0) else []
`;

const URLS = `
from django.contrib import admin
from django.urls import path
urlpatterns = [path('admin/', admin.site.urls)]
`;

const MANAGE = `
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
`;

/** Creates the users (superusers) from DJANGO_USERS, a JSON list, so that no password is on a command line. */
const CREATE_USERS = `
import json, os
from django.contrib.auth import get_user_model
for user in json.loads(os.environ['DJANGO_USERS']):
    get_user_model().objects.create_superuser(user['name'], user['name'] + '@example.test', user['password'])
`;

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts a Django admin with these superusers on a free port. `gatewayOrigin` is the origin the
 * browser will use (Django 4 and later check a form post's Origin against it).
 */
export async function startDjangoAdmin(options: { users: DjangoUser[]; gatewayOrigin: string }): Promise<DjangoApp> {
  const dir = await mkdtemp(join(tmpdir(), 'django-admin-'));
  let server: ChildProcess | undefined;
  let output = '';
  const env = { ...process.env, GATEWAY_ORIGIN: options.gatewayOrigin, PYTHONDONTWRITEBYTECODE: '1' };
  const manage = async (args: string[], extraEnv: Record<string, string> = {}) =>
    (await run(PYTHON, [join(dir, 'manage.py'), ...args], { cwd: dir, env: { ...env, ...extraEnv } })).stdout;
  const stop = async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(join(dir, 'settings.py'), SETTINGS);
    await writeFile(join(dir, 'urls.py'), URLS);
    await writeFile(join(dir, 'manage.py'), MANAGE);
    await manage(['migrate', '--noinput', '-v', '0']);
    await manage(['shell', '-c', CREATE_USERS], { DJANGO_USERS: JSON.stringify(options.users) });
    const port = await freePort();
    server = spawn(PYTHON, [join(dir, 'manage.py'), 'runserver', `127.0.0.1:${port}`, '--noreload'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = server;
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitFor(`Django's development server on port ${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`Django's server exited with ${child.exitCode}:\n${output}`);
      return portOpen(port);
    });
    return {
      url: `http://127.0.0.1:${port}`,
      shell: (code) => manage(['shell', '-c', code]),
      async liveSessions() {
        const code =
          'from django.contrib.sessions.models import Session\n' +
          'from django.utils import timezone\n' +
          'print(Session.objects.filter(expire_date__gt=timezone.now()).count())';
        return Number((await manage(['shell', '-c', code])).trim());
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
