// edo-clerk's usage text, the one source of per-command help (./help.ts cuts a command's lines
// from it): in Russian and in English, each command's own line the same in both, since that is
// what the clerk types.
import type { CliLanguage } from './i18n';

const commonOptionsEn = `Every command takes --profile DIR (default: $EDO_CLERK_PROFILE or the app's profile), --json and
--lang ru|en (default: the locale's language from LC_ALL, LC_MESSAGES or LANG, else the profile's,
else Russian; times are shown in the machine's time zone, TZ, and --json keeps them ISO in UTC);
edo-clerk help COMMAND or edo-clerk COMMAND --help shows one command.
Token commands take --module PATH and --token LABEL|SERIAL (else the profile's), and ask for
the PIN on the terminal, or read it from standard input with --pin-stdin.`;

const usageEn = `edo-clerk — EDO Clerk on the command line

Usage: edo-clerk <command> [options]

Commands:
  profile init --server URL [--mode server|workstation|manual] [--login LOGIN --password-stdin]
               [--token LABEL|SERIAL] [--module PATH] [--key-file FILE [--cert-file FILE] [--key-password-stdin]]
               [--trust CA.pem]... [--schedule MINUTES]
               [--tsa-url URL] [--crl-folder DIR] [--ocsp-proxy URL] [--offline-checks | --online-checks]
                                     create or update a profile (the last four: time-stamps of our own
                                     signatures, and certificate status in closed networks)
  profile show                       settings and counts
  token list [--module PATH]         tokens plugged in, their PIN state and certificates
  token login [--keep]               check the PIN (and keep it in the OS keychain for background sessions)
  sign FILE [--out FILE.sig]         detached CMS signature with the token
  verify FILE FILE.sig [--trust CA.pem]... [--at ISO] [--offline]
                                     check a signature at its time-stamp's time (else --at, else now) with the
                                     certificate status it carries, then OCSP/CRL unless offline: exit 0 valid,
                                     1 not valid (revoked included), 3 the status could not be determined
  send FILE --to SUBSCRIBER [--title T] [--kind K] [--no-receipt] [--request-signature] [--queue-only]
                                     sign, put into the outbox, and run an exchange session
                                     (--request-signature: the recipient is asked to sign it too)
  inbox | outbox [--search TEXT] [--counterparty ID] [--status S[,S]] [--from ISO] [--to ISO] [--limit N] [--offset N]
  outbox retry|remove DOCUMENT [--queue-only]
                                     a document the hub refused (the outbox says why): send it again once the
                                     cause is put right, or take it out of the outbox
  contacts                           the organizations we exchange with, and invitations
  contact invite|accept|reject SUBSCRIBER [--message TEXT]
                                     change a contact at the hub (SUBSCRIBER: id, INN or a part of the name)
  pending                            service documents waiting for a signature
  clarify DOCUMENT --text TEXT [--queue-only]
                                     ask the sender to correct a received document (УОУ)
  awaiting                           documents waiting for your signature, annulment proposals waiting for your answer
  sign-document DOCUMENT [--queue-only]
                                     sign a received document its sender asked you to sign (the same content)
  refuse DOCUMENT --reason TEXT [--queue-only]
                                     refuse to sign it, stating why (a signed УОУ)
  annul DOCUMENT --reason TEXT [--queue-only]
                                     propose to annul a document (a signed ПРА, DP_PRANNUL 1.02)
  annulment accept|reject DOCUMENT [--reason TEXT] [--queue-only]
                                     answer the other side's proposal: sign it, or reject it stating why
  session [--background]             one exchange session: exit 0 done, 2 the clerk is needed (token or PIN), 1 error
  agent [--interval SECONDS] [--once] [--web HOST:PORT --tls-cert FILE --tls-key FILE]
                                     the unattended exchange agent (operating mode "server") with the profile's
                                     software key, or a server token whose PIN was kept (token login --keep);
                                     stops cleanly on SIGTERM; --web: the organization's staff read Inbox,
                                     Outbox and the archive in a browser, logging in with their hub login and
                                     password (HTTPS with the PEM certificate and key; required off loopback)
  demo                               the local sandbox: an exchange hub and a demo counterparty on this
                                     machine, in the foreground until Ctrl+C (a new profile, or one it made)
  web [--port N] [--sandbox] [--open]
                                     the app in a browser on this machine (127.0.0.1), until Ctrl+C; --sandbox:
                                     a new profile gets the local sandbox at once; --open: the default browser
  archive status | list | verify [--operator-cert CERT.pem]
                                     the organization's signed-data archive at the hub, checked here
  archive get N [--out DIR]          download archived entry N and its signatures
  card DOCUMENT --out FILE.pdf [--lang ru|en]
                                     the document card: its facts, a stamp per signature, the service
                                     documents, the archive entry, a QR code on each page (DOCUMENT: its
                                     number in the inbox or outbox, or its hub id)
  evidence DOCUMENT --out FILE.zip [--lang ru|en]
                                     the evidence package: the original, the signatures as extended CMS,
                                     the service documents, the МЧД files, the archive proof, the
                                     certificates, the card, and a manifest signed with the profile's token
                                     or key
  verify-evidence FILE.zip [--at ISO] [--trust CA.pem]... [--operator-cert CERT.pem]
                                     check an evidence package offline, a verdict per part (exit 1: a part
                                     fails, named; 3: a certificate status could not be determined)
  poa create --representative CERT.pem [--powers CODE[,CODE]] [--text TEXT] --valid-until YYYY-MM-DD
             [--no-redelegation] --out DIR
                                     the director issues a machine-readable power of attorney (МЧД) to the
                                     employee's certificate: ON_EMCHD_<date>_<number>.xml and its .sig
  poa use FILE.xml [--signature FILE.sig] [--cert CERT.pem]
                                     sign under this МЧД with the profile's personal certificate (or --cert's):
                                     registered at the hub, checked for sending and for service documents, kept
                                     in the profile; every later signature by that certificate carries it
  help | version

${commonOptionsEn}`;

const commonOptionsRu = `Все команды принимают --profile КАТАЛОГ (по умолчанию $EDO_CLERK_PROFILE или профиль приложения), --json и
--lang ru|en (по умолчанию язык локали из LC_ALL, LC_MESSAGES или LANG, иначе язык профиля, иначе русский;
время показывается в часовом поясе машины, TZ, а --json оставляет его в ISO, в UTC);
edo-clerk help КОМАНДА или edo-clerk КОМАНДА --help показывает одну команду.
Команды с токеном принимают --module ПУТЬ и --token МЕТКА|СЕРИЙНЫЙ_НОМЕР (иначе из профиля) и спрашивают
PIN в терминале или читают его со стандартного входа с --pin-stdin.`;

const usageRu = `edo-clerk — EDO Clerk в командной строке

Использование: edo-clerk <команда> [параметры]

Команды:
  profile init --server URL [--mode server|workstation|manual] [--login LOGIN --password-stdin]
               [--token LABEL|SERIAL] [--module PATH] [--key-file FILE [--cert-file FILE] [--key-password-stdin]]
               [--trust CA.pem]... [--schedule MINUTES]
               [--tsa-url URL] [--crl-folder DIR] [--ocsp-proxy URL] [--offline-checks | --online-checks]
                                     создать или изменить профиль (последние четыре: штампы времени наших
                                     подписей и статус сертификатов в закрытых сетях)
  profile show                       настройки и счётчики
  token list [--module PATH]         подключённые токены, состояние их PIN и сертификаты
  token login [--keep]               проверить PIN (и сохранить его в хранилище ОС для фоновых сеансов)
  sign FILE [--out FILE.sig]         отсоединённая подпись CMS токеном
  verify FILE FILE.sig [--trust CA.pem]... [--at ISO] [--offline]
                                     проверить подпись на время её штампа (иначе --at, иначе сейчас) по статусу
                                     сертификата, который она несёт, затем по OCSP/CRL, если не offline: выход 0
                                     верна, 1 не верна (в том числе отозван), 3 статус установить не удалось
  send FILE --to SUBSCRIBER [--title T] [--kind K] [--no-receipt] [--request-signature] [--queue-only]
                                     подписать, поместить в исходящие и провести сеанс обмена
                                     (--request-signature: получателя просят тоже подписать)
  inbox | outbox [--search TEXT] [--counterparty ID] [--status S[,S]] [--from ISO] [--to ISO] [--limit N] [--offset N]
  outbox retry|remove DOCUMENT [--queue-only]
                                     документ, отклонённый сервером обмена (в исходящих видно почему): отправить
                                     снова, когда причина устранена, или убрать из исходящих
  contacts                           организации, с которыми идёт обмен, и приглашения
  contact invite|accept|reject SUBSCRIBER [--message TEXT]
                                     изменить контакт на сервере обмена (SUBSCRIBER: id, ИНН или часть названия)
  pending                            служебные документы, ждущие подписи
  clarify DOCUMENT --text TEXT [--queue-only]
                                     попросить отправителя исправить полученный документ (УОУ)
  awaiting                           документы, ждущие вашей подписи, и предложения об аннулировании, ждущие ответа
  sign-document DOCUMENT [--queue-only]
                                     подписать полученный документ, который отправитель просил подписать (то же содержимое)
  refuse DOCUMENT --reason TEXT [--queue-only]
                                     отказаться подписать, указав причину (подписанное УОУ)
  annul DOCUMENT --reason TEXT [--queue-only]
                                     предложить аннулировать документ (подписанное ПРА, DP_PRANNUL 1.02)
  annulment accept|reject DOCUMENT [--reason TEXT] [--queue-only]
                                     ответить на предложение другой стороны: подписать его или отклонить с причиной
  session [--background]             один сеанс обмена: выход 0 готово, 2 нужен сотрудник (токен или PIN), 1 ошибка
  agent [--interval SECONDS] [--once] [--web HOST:PORT --tls-cert FILE --tls-key FILE]
                                     агент обмена без участия человека (режим «server») с программным ключом профиля
                                     или серверным токеном с сохранённым PIN (token login --keep); корректно
                                     останавливается по SIGTERM; --web: сотрудники организации читают входящие,
                                     исходящие и архив в браузере, входя со своими логином и паролем сервера обмена
                                     (HTTPS с сертификатом и ключом PEM; обязателен вне этой машины)
  demo                               локальная песочница: сервер обмена и демо-контрагент на этой машине, до
                                     Ctrl+C (новый профиль или созданный ею)
  web [--port N] [--sandbox] [--open]
                                     приложение в браузере на этой машине (127.0.0.1), до Ctrl+C; --sandbox: новый
                                     профиль сразу получает локальную песочницу; --open: браузер по умолчанию
  archive status | list | verify [--operator-cert CERT.pem]
                                     архив подписанных документов организации на сервере обмена, проверенный здесь
  archive get N [--out DIR]          скачать запись архива N и её подписи
  card DOCUMENT --out FILE.pdf [--lang ru|en]
                                     карточка документа: его сведения, штамп на каждую подпись, служебные документы,
                                     запись архива, QR-код на каждой странице (DOCUMENT: его номер во входящих или
                                     исходящих, или id у оператора)
  evidence DOCUMENT --out FILE.zip [--lang ru|en]
                                     пакет доказательств: оригинал, подписи как расширенные CMS, служебные документы,
                                     файлы МЧД, доказательство архива, сертификаты, карточка и перечень, подписанный
                                     токеном или ключом профиля
  verify-evidence FILE.zip [--at ISO] [--trust CA.pem]... [--operator-cert CERT.pem]
                                     проверить пакет доказательств без сети, вердикт по каждой части (выход 1: часть
                                     не прошла, она названа; 3: статус сертификата установить не удалось)
  poa create --representative CERT.pem [--powers CODE[,CODE]] [--text TEXT] --valid-until YYYY-MM-DD
             [--no-redelegation] --out DIR
                                     руководитель выдаёт машиночитаемую доверенность (МЧД) на сертификат
                                     сотрудника: ON_EMCHD_<дата>_<номер>.xml и её .sig
  poa use FILE.xml [--signature FILE.sig] [--cert CERT.pem]
                                     подписывать по этой МЧД личным сертификатом профиля (или --cert): она
                                     регистрируется на сервере обмена, проверяется при отправке и для служебных
                                     документов, хранится в профиле; каждая следующая подпись этим сертификатом
                                     идёт с ней
  help | version

${commonOptionsRu}`;

/** The full usage in the language. */
export const usage = (language: CliLanguage): string => (language === 'en' ? usageEn : usageRu);

/** The options every command takes, under a command's help. */
export const commonOptions = (language: CliLanguage): string => (language === 'en' ? commonOptionsEn : commonOptionsRu);
