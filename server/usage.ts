// edo-hub's usage text, in Russian (the default) and in English; each command's own line is the
// same in both, since that is what the administrator types.
import { Permission, type Language } from '../src/protocol';

const usageEn = `edo-hub — the EDO Clerk exchange hub (operator service and signed-data archive)

Usage: edo-hub <command> [options]        every command takes --data DIR, --database URL, --json
                                          and --lang ru|en (default: the locale's language from LC_ALL,
                                          LC_MESSAGES or LANG, else Russian)

  --data DIR       the hub's data directory (blobs; with SQLite also its database files)
  --database URL   postgres://USER@HOST:PORT/DB: the hub's database on PostgreSQL, shared by
                   several serve instances (default: EDO_HUB_DATABASE, else SQLite in --data)
  --blob-store folder|database
                   where documents' files are kept: in --data (default; several instances must
                   share the folder) or, with --database, in the database itself; chosen at the
                   hub's first start and kept (other commands need not name it)

Commands:
  serve --data DIR [--host 127.0.0.1] [--port 8480] [--max-blob-size BYTES] [--token-ttl SECONDS]
        [--public-origin URL] [--trust-proxy ADDRESS[,ADDRESS…]] [--smtp-host HOST --smtp-port PORT --smtp-from ADDRESS]
        [--operator-key ecdsa-p256|gost2012-256]
        [--crl-folder DIR] [--ocsp-proxy URL] [--ocsp-cache SECONDS]
                                   run the hub (port 0 picks a free port; the URL is printed);
                                   one hub per data directory; certificate logins are signed
                                   for its listening address, or for --public-origin (behind a
                                   proxy); X-Forwarded-For, -Proto and -Host are believed only from
                                   the --trust-proxy addresses or CIDR ranges; archive notices go out by e-mail only with --smtp-host;
                                   with --database, several instances may serve at once; the
                                   operator key's kind (default ecdsa-p256) is fixed at first start;
                                   certificate status from a CRL folder or an OCSP proxy on closed networks;
                                   an OCSP answer is reused until its nextUpdate, --ocsp-cache seconds
                                   at most (default 3600; 0: every acceptance asks)
  migrate                          apply the database schema's missing migrations (serve does too)
  org add --name NAME --inn INN [--kpp KPP] [--ogrn OGRN] [--mode server|workstation|manual]
                                   register an organization (subscriber); KPP is required for a 10-digit INN
  org list                         the registered organizations
  user add --org ID|INN (--cert FILE | --login LOGIN) [--name NAME]
                                   register a user: a certificate holder, or a service user whose
                                   password is read from stdin (12 characters at least; both --cert
                                   and --login: either way)
  user list [--org ID|INN]         the registered users (the first user of an organization
                                   administers its settings)
  org grant --org ID|INN --user ID --permission P[,P]
                                   give a user permissions in the organization settings
                                   (${Permission.options.join(', ')})
  archive quota --org ID|INN [--bytes N]
                                   the organization's archive usage; with --bytes, set its quota
  archive check                    recompute the whole archive and its signed tree heads
  poa list --org ID|INN            the organization's powers of attorney (МЧД) with their statuses now
  poa show --org ID|INN NUMBER [--out DIR]
                                   one МЧД; with --out, its XML and the director's signature (.sig) as registered
  poa revoke --org ID|INN NUMBER --reason TEXT
                                   revoke an МЧД early on the principal's written request (journaled)
  trust add CA.pem                 trust a CA (PEM, one or more certificates, or DER) for logins and signatures
  trust list                       the trusted CAs
  operator                         the operator's identity; its and its TSA's certificates (PEM)
  help                             this text
  version                          the program's version`;

const usageRu = `edo-hub — сервер обмена EDO Clerk (служба оператора и архив подписанных данных)

Запуск: edo-hub <команда> [параметры]     каждая команда принимает --data ПАПКА, --database URL, --json
                                          и --lang ru|en (по умолчанию — язык локали из LC_ALL,
                                          LC_MESSAGES или LANG, иначе русский)

  --data ПАПКА     папка данных сервера обмена (файлы документов; с SQLite — и её база данных)
  --database URL   postgres://ПОЛЬЗОВАТЕЛЬ@ХОСТ:ПОРТ/БД: база данных сервера обмена в PostgreSQL, общая для
                   нескольких экземпляров serve (по умолчанию EDO_HUB_DATABASE, иначе SQLite в --data)
  --blob-store folder|database
                   где хранятся файлы документов: в --data (по умолчанию; несколько экземпляров должны
                   делить эту папку) или, с --database, в самой базе данных; выбирается при первом
                   запуске сервера обмена и сохраняется (другим командам его называть не нужно)

Команды:
  serve --data ПАПКА [--host 127.0.0.1] [--port 8480] [--max-blob-size БАЙТ] [--token-ttl СЕКУНД]
        [--public-origin URL] [--trust-proxy АДРЕС[,АДРЕС…]] [--smtp-host ХОСТ --smtp-port ПОРТ --smtp-from АДРЕС]
        [--operator-key ecdsa-p256|gost2012-256]
        [--crl-folder ПАПКА] [--ocsp-proxy URL] [--ocsp-cache СЕКУНД]
                                   запустить сервер обмена (порт 0 — любой свободный; адрес печатается);
                                   один сервер на папку данных; вход по сертификату подписывается
                                   для адреса, который он слушает, или для --public-origin (за
                                   прокси); X-Forwarded-For, -Proto и -Host принимаются только от
                                   адресов или диапазонов CIDR из --trust-proxy; уведомления архива
                                   уходят по почте только с --smtp-host; с --database могут работать
                                   несколько экземпляров сразу; вид ключа оператора (по умолчанию
                                   ecdsa-p256) задаётся при первом запуске; статус сертификатов —
                                   из папки CRL или через прокси OCSP в закрытых сетях; ответ OCSP
                                   используется до его nextUpdate, но не дольше --ocsp-cache секунд
                                   (по умолчанию 3600; 0 — спрашивать при каждом приёме)
  migrate                          применить недостающие миграции схемы базы данных (serve делает это сам)
  org add --name НАЗВАНИЕ --inn ИНН [--kpp КПП] [--ogrn ОГРН] [--mode server|workstation|manual]
                                   зарегистрировать организацию (абонента); для 10-значного ИНН нужен КПП
  org list                         зарегистрированные организации
  user add --org ID|ИНН (--cert ФАЙЛ | --login ЛОГИН) [--name ИМЯ]
                                   зарегистрировать пользователя: владельца сертификата или служебного
                                   пользователя, чей пароль читается со стандартного входа (не короче
                                   12 символов; --cert и --login вместе — вход любым способом)
  user list [--org ID|ИНН]         зарегистрированные пользователи (первый пользователь организации
                                   управляет её настройками)
  org grant --org ID|ИНН --user ID --permission P[,P]
                                   дать пользователю права в настройках организации
                                   (${Permission.options.join(', ')})
  archive quota --org ID|ИНН [--bytes N]
                                   занятое место в архиве организации; с --bytes — задать её квоту
  archive check                    пересчитать весь архив и его подписанные вершины дерева
  poa list --org ID|ИНН            машиночитаемые доверенности (МЧД) организации и их статусы сейчас
  poa show --org ID|ИНН НОМЕР [--out ПАПКА]
                                   одна МЧД; с --out — её XML и подпись руководителя (.sig), как зарегистрированы
  poa revoke --org ID|ИНН НОМЕР --reason ТЕКСТ
                                   отозвать МЧД досрочно по письменному заявлению доверителя (в журнал)
  trust add CA.pem                 доверять УЦ (PEM, один или несколько сертификатов, или DER) при входе и в подписях
  trust list                       доверенные УЦ
  operator                         кто оператор; его сертификат и сертификат его службы штампов времени (PEM)
  help                             этот текст
  version                          версия программы`;

export const hubUsage = (language: Language): string => (language === 'en' ? usageEn : usageRu);
