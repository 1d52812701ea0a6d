// The words edo-hub says to the operator's administrator: Russian by default, English with
// `--lang en` or an English locale (LC_ALL, LC_MESSAGES, LANG), chosen as edo-clerk chooses
// (src/protocol/language.ts). One dictionary per language, so a key missing in English fails the
// typecheck. What machines read stays as it is: --json's `error` code, the log's lines, and the
// HTTP API's `{error, message, requestId}`.
import { fillIn, Language, localeLanguage } from '../src/protocol/language';

const ru = {
  'lang.invalid': '--lang: язык ru или en, а не «{value}»',
  'command.unknown': 'неизвестная команда «{command}»',
  'help.hint': 'Список команд: «edo-hub help».',
  'argument.unexpected': 'лишний аргумент «{value}»',
  'data.required': 'Нужен --data ПАПКА (папка данных сервера обмена)',
  'option.required': 'Нужен --{name}',
  'option.integer': '--{name}: целое число не меньше {min}, а не «{value}»',
  'option.oneOf': '--{name}: одно из {values}, а не «{value}»',
  'blobStore.needsDatabase':
    '--blob-store database хранит файлы в базе данных --database URL (PostgreSQL); укажите и её',
  'port.max': '--port: не больше 65535',
  'publicOrigin.invalid': '--public-origin: адрес http(s), например https://hub.example, а не «{value}»',
  'trustProxy.invalid':
    '--trust-proxy: IP-адреса или диапазоны CIDR прокси через запятую (127.0.0.1,10.0.0.0/8), а не «{value}»',
  'smtp.needsHost': '--smtp-port и --smtp-from указываются вместе с --smtp-host',
  'serve.listening': 'edo-hub слушает {url} (данные: {dir})',
  'org.subcommands': 'команды организаций: org add | org list | org grant',
  'org.ambiguous': 'ИНН {inn} у нескольких организаций; укажите id: {ids}',
  'org.none': 'Нет организации с id или ИНН «{ref}» (см. edo-hub org list)',
  'org.nameEmpty': '--name не может быть пустым',
  'inn.shape': '--inn: ИНН или БИН — 10 или 12 цифр, а не «{value}»',
  'inn.checksum': '--inn: у ИНН или БИН {value} не сходятся контрольные цифры (опечатка?)',
  'kpp.shape': '--kpp: КПП — 9 знаков NNNNXXNNN (X — цифра или латинская A–Z), не начинается с 00, а не «{value}»',
  'kpp.required':
    '--kpp обязателен для организации с 10-значным ИНН (формат ФНС 1.03 называет его в каждом служебном документе)',
  'ogrn.shape': '--ogrn: ОГРН — 13 цифр (ОГРНИП — 15), а не «{value}»',
  'ogrn.checksum': '--ogrn: у ОГРН {value} не сходится контрольная цифра (опечатка?)',
  'org.duplicate': 'Организация с ИНН {inn}{kpp} уже зарегистрирована: {name} ({id})',
  'org.duplicateKpp': ' и КПП {kpp}',
  'org.registered': 'Организация {name} (ИНН {inn}) зарегистрирована: {id}',
  'org.noneRegistered': 'Организаций нет',
  'org.line': '{id}  {inn}  {name}  (режим {mode})',
  'permission.invalid': '--permission: «{value}» — не одно из {values}',
  'user.notInOrg': 'В {org} нет пользователя {user} (см. edo-hub user list --org {orgId})',
  'grant.done': '{user} в {org}: {permissions}',
  'user.subcommands': 'команды пользователей: user add | user list',
  'user.needsCertOrLogin':
    'Укажите --cert ФАЙЛ (владелец сертификата) или --login ЛОГИН (служебный пользователь; пароль — на стандартном входе)',
  'file.unreadable': 'Файл {file} не читается: {detail}',
  'certificate.none': 'В {file} нет сертификата',
  'certificate.invalid': '{file} — не сертификат X.509 (PEM или DER): {detail}',
  'password.empty': 'Пароль служебного пользователя читается со стандартного входа, а он пуст',
  'password.short': 'Пароль служебного пользователя — не короче {min} символов (в этом {length})',
  'certificate.otherOrg':
    'Сертификат {holder} выдан для организации с ИНН {certificateInn}, а не для {org} (ИНН {inn})',
  'certificate.taken': 'Этот сертификат уже зарегистрирован',
  'certificate.isSystem':
    'Этот сертификат — информационная система «{system}» ({id}) организации {orgId}: сертификат входит либо как пользователь, либо как система, не как оба',
  'login.taken': 'Логин «{login}» занят',
  'user.registered': 'Пользователь {name} зарегистрирован в {org}: {id}',
  'user.line': '{id}  {kind}  {name}{login}  {org} (ИНН {inn})',
  'user.login': '  логин {login}',
  'user.kind.person': 'сотрудник',
  'user.kind.service': 'служебный',
  'user.noneRegistered': 'Пользователей нет',
  'trust.subcommands': 'команды доверенных УЦ: trust add CA.pem | trust list',
  'trust.needsFile': 'trust add CA.pem: не указан файл сертификата УЦ',
  'trust.added': 'доверенный: {subject} ({fingerprint})',
  'trust.already': 'уже доверенный: {subject} ({fingerprint})',
  'trust.none': 'Доверенных УЦ нет',
  'archive.subcommands': 'команды архива: archive quota --org ID [--bytes N] | archive check',
  'archive.usage': '{org}: занято {used} МБ из {quota} ГБ',
  'archive.damaged': 'АРХИВ ПОВРЕЖДЁН: {problems}',
  'archive.intact': 'Архив из {size} записей цел',
  'migrate.applied': '{where}: применены миграции {migrations}',
  'migrate.upToDate': '{where}: схема в актуальном состоянии',
  'where.postgres': 'база данных PostgreSQL',
  'where.sqlite': 'файлы SQLite в {dir}',
  'operator.identity': '{name}, ИНН {inn}, идентификатор оператора {edoId}; сертификат {fingerprint}',
  'operator.tsa': 'служба штампов времени (POST /v1/tsp), сертификат {fingerprint}',
  'data.databaseUrl':
    '--database: адрес postgres://ПОЛЬЗОВАТЕЛЬ@ХОСТ:ПОРТ/БД (без него сервер обмена хранит данные в файлах SQLite в {dir}), а не «{value}»',
  'data.blobStoreNeedsDatabase':
    '--blob-store database хранит файлы документов в базе данных PostgreSQL из --database; без неё они — файлы в {dir}',
  'data.keptInDatabase':
    'Этот сервер обмена хранит файлы документов в базе данных (так выбрано при его первом запуске); с --blob-store {asked} он их не найдёт',
  'data.keptInFolder':
    'Этот сервер обмена хранит файлы документов в папке данных (так выбрано при его первом запуске); с --blob-store {asked} он их не найдёт',
  'data.served':
    'Папку данных {dir} обслуживает запущенный сервер обмена (процесс {pid}): сначала остановите его (команды администрирования тем временем работают); если процесс {pid} — не сервер обмена, удалите {file}',
  'data.lockBusy': 'Не удалось взять блокировку {file}: в {dir} раз за разом запускаются другие серверы обмена',
} as const;

export type HubKey = keyof typeof ru;

const en: Record<HubKey, string> = {
  'lang.invalid': '--lang must be ru or en, not "{value}"',
  'command.unknown': 'unknown command "{command}"',
  'help.hint': 'Run "edo-hub help" for the commands.',
  'argument.unexpected': 'unexpected argument "{value}"',
  'data.required': '--data DIR is required (the hub data directory)',
  'option.required': '--{name} is required',
  'option.integer': '--{name} must be an integer ≥ {min}, not "{value}"',
  'option.oneOf': '--{name} must be one of {values}, not "{value}"',
  'blobStore.needsDatabase':
    '--blob-store database keeps blobs in the database of --database URL (PostgreSQL); give that too',
  'port.max': '--port must be at most 65535',
  'publicOrigin.invalid': '--public-origin must be an http(s) URL such as https://hub.example, not "{value}"',
  'trustProxy.invalid':
    '--trust-proxy takes the proxies\' IP addresses or CIDR ranges, comma-separated (127.0.0.1,10.0.0.0/8), not "{value}"',
  'smtp.needsHost': '--smtp-port and --smtp-from need --smtp-host',
  'serve.listening': 'edo-hub listening on {url} (data: {dir})',
  'org.subcommands': 'organization commands: org add | org list | org grant',
  'org.ambiguous': 'several organizations have INN {inn}; give the id: {ids}',
  'org.none': 'no organization with id or INN "{ref}" (see: edo-hub org list)',
  'org.nameEmpty': '--name must not be empty',
  'inn.shape': '--inn: an INN or BIN: 10 or 12 digits, not "{value}"',
  'inn.checksum': '--inn: an INN or BIN whose check digits do not match (a mistyped digit?): {value}',
  'kpp.shape': '--kpp: a KPP: 9 characters, NNNNXXNNN (X a digit or A–Z), not starting with 00, not "{value}"',
  'kpp.required':
    '--kpp is required for an organization with a 10-digit INN (FNS format 1.03 names it in every service document)',
  'ogrn.shape': '--ogrn: an OGRN: 13 digits (an OGRNIP: 15), not "{value}"',
  'ogrn.checksum': '--ogrn: the check digit of OGRN {value} does not match (a mistyped digit?)',
  'org.duplicate': 'an organization with INN {inn}{kpp} is already registered: {name} ({id})',
  'org.duplicateKpp': ' and KPP {kpp}',
  'org.registered': 'organization {name} (INN {inn}) registered: {id}',
  'org.noneRegistered': 'no organizations',
  'org.line': '{id}  {inn}  {name}  ({mode})',
  'permission.invalid': '--permission: "{value}" is not one of {values}',
  'user.notInOrg': 'no user {user} in {org} (see: edo-hub user list --org {orgId})',
  'grant.done': '{user} in {org}: {permissions}',
  'user.subcommands': 'user commands: user add | user list',
  'user.needsCertOrLogin':
    'give --cert FILE (a certificate holder) or --login LOGIN (a service user; password on stdin)',
  'file.unreadable': 'cannot read {file}: {detail}',
  'certificate.none': 'no certificate in {file}',
  'certificate.invalid': '{file} is not an X.509 certificate (PEM or DER): {detail}',
  'password.empty': 'the password of a service user is read from stdin, and it is empty',
  'password.short': 'the password of a service user must be at least {min} characters long (this one has {length})',
  'certificate.otherOrg':
    'the certificate of {holder} is issued for the organization with INN {certificateInn}, not {org} (INN {inn})',
  'certificate.taken': 'this certificate is already registered',
  'certificate.isSystem':
    'this certificate is the information system "{system}" ({id}) of organization {orgId}: a certificate logs in either as a user or as a system, not both',
  'login.taken': 'the login "{login}" is taken',
  'user.registered': 'user {name} registered for {org}: {id}',
  'user.line': '{id}  {kind}  {name}{login}  {org} (INN {inn})',
  'user.login': '  login {login}',
  'user.kind.person': 'person',
  'user.kind.service': 'service',
  'user.noneRegistered': 'no users',
  'trust.subcommands': 'trusted CA commands: trust add CA.pem | trust list',
  'trust.needsFile': 'trust add CA.pem: the CA certificate file is missing',
  'trust.added': 'trusted: {subject} ({fingerprint})',
  'trust.already': 'already trusted: {subject} ({fingerprint})',
  'trust.none': 'no trusted CAs',
  'archive.subcommands': 'archive commands: archive quota --org ID [--bytes N] | archive check',
  'archive.usage': '{org}: used {used} MB of {quota} GB',
  'archive.damaged': 'THE ARCHIVE IS DAMAGED: {problems}',
  'archive.intact': 'the archive of {size} entries is intact',
  'migrate.applied': '{where}: applied {migrations}',
  'migrate.upToDate': '{where}: the schema is up to date',
  'where.postgres': 'the PostgreSQL database',
  'where.sqlite': 'the SQLite files in {dir}',
  'operator.identity': '{name}, INN {inn}, operator id {edoId}; certificate {fingerprint}',
  'operator.tsa': 'time-stamp authority (POST /v1/tsp), certificate {fingerprint}',
  'data.databaseUrl':
    '--database must be a postgres://USER@HOST:PORT/DB URL (without it the hub uses SQLite files in {dir}), got "{value}"',
  'data.blobStoreNeedsDatabase':
    '--blob-store database keeps blobs in the PostgreSQL database of --database; without one they are files in {dir}',
  'data.keptInDatabase':
    'this hub keeps its blobs in the database (chosen when it first started); --blob-store {asked} would not find them',
  'data.keptInFolder':
    'this hub keeps its blobs in the folder (chosen when it first started); --blob-store {asked} would not find them',
  'data.served':
    'the data directory {dir} is served by a running hub (pid {pid}): stop it first (administration commands work meanwhile); if pid {pid} is not a hub, remove {file}',
  'data.lockBusy': 'could not take the serving lock {file}: other hubs keep starting on {dir}',
};

export type HubValues = Record<string, string | number>;

export function hubText(language: Language, key: HubKey, values: HubValues = {}): string {
  return fillIn((language === 'en' ? en : ru)[key], values);
}

/** Words to show later, in the language the command runs in. */
export interface HubWords {
  key: HubKey;
  values: HubValues;
}

export const words = (key: HubKey, values: HubValues = {}): HubWords => ({ key, values });

/** A failure of a command (exit 1) worded by key; its message is the English, for logs. */
export class HubWordsError extends Error {
  constructor(readonly words: HubWords) {
    super(hubText('en', words.key, words.values));
  }
}

/** --lang, else the locale (LC_ALL, LC_MESSAGES, LANG) when it names ru or en, else Russian; undefined for an unknown --lang. */
export function hubLanguage(given: string | undefined, env: NodeJS.ProcessEnv): Language | undefined {
  if (given === undefined) return localeLanguage(env) ?? 'ru';
  const chosen = Language.safeParse(given);
  return chosen.success ? chosen.data : undefined;
}
