// The words edo-clerk says to a person: Russian by default, English with `--lang en` or an
// English locale (LC_ALL, LC_MESSAGES, LANG, in POSIX order), else the profile's language. One
// dictionary per language, as main/i18n.ts and src/evidence/i18n.ts keep theirs, so a key missing
// in English fails the typecheck. Times are shown in the machine's time zone (TZ) with the zone
// named; --json keeps ISO 8601 in UTC for programs.
import type { Language } from '../ipc/contract';
import { fillIn, localeLanguage } from '../protocol/language';

/** The languages of the app's UI are the CLI's. */
export type CliLanguage = Language;

const ru = {
  'lang.invalid': '--lang: язык ru или en, а не «{value}»',
  'command.unknown': 'неизвестная команда «{command}»',
  'argument.unexpected': 'лишний аргумент «{value}»',
  'option.integer': '--{name}: целое число от {min} до {max}, а не «{value}»',
  'option.date':
    '--{name}: дата или дата и время по ISO 8601 (2026-12-02 или 2026-12-02T10:15:00+03:00), а не «{value}»',
  'option.status': '--status {value}: нет такого статуса документа; возможны: {statuses}',
  'option.conflict.stdin':
    'Укажите одно из --password-stdin и --key-password-stdin за раз: на стандартном входе один секрет',
  'option.keep': '--keep требует PIN: введите его или передайте через --pin-stdin',
  'needs.server': 'Для profile init нужен --server URL',
  'needs.sign': 'Для sign нужен ФАЙЛ',
  'needs.verify': 'Для verify нужны ФАЙЛ и ФАЙЛ.sig',
  'needs.send': 'Для send нужны ФАЙЛ и --to АБОНЕНТ',
  'needs.clarify': 'Для clarify нужны ДОКУМЕНТ (его номер во входящих или id у оператора) и --text ТЕКСТ',
  'needs.document': 'Для {command} нужен ДОКУМЕНТ (его номер во входящих или исходящих, или id у оператора)',
  'needs.subscriber': 'Для contact {action} нужен АБОНЕНТ (id, ИНН или часть названия)',
  'no.signer':
    'Нечем подписать: укажите --token МЕТКА|СЕРИЙНЫЙ_НОМЕР (и --module ПУТЬ) или токен либо файл ключа в профиле',
  'no.roots': 'Нет доверенных корневых сертификатов: укажите --trust CA.pem или добавьте их в профиль',
  'no.modules': 'На этой машине не найден модуль PKCS#11: установите драйвер токена или укажите --module ПУТЬ',
  'no.document': 'В этом профиле нет документа «{ref}»',
  'no.received': 'Во входящих нет полученного документа «{ref}»',
  'subscriber.none':
    'В справочнике нет абонента «{to}»: проверьте название или ИНН либо обновите справочник командой «edo-clerk session»',
  'subscriber.many': '«{to}» подходит к {count} абонентам: {list}; укажите ИНН или id',
  'subscriber.item': '{name} (ИНН {inn}, id {id})',
  'profile.ready': 'Профиль {dir} готов (сервер обмена {server}, режим {mode}).',
  'profile.title': 'Профиль {dir}',
  'profile.hub': 'сервер обмена {server}, режим {mode}',
  'profile.counts': 'Входящих {inbox}, исходящих {outbox}, служебных документов ждут подписи: {pending}',
  'tokens.none': 'Токены не подключены.',
  'tokens.line': '{label} (серийный номер {serial}, {model}) в {module}',
  'tokens.pinPad': ', PIN-пад',
  'tokens.certificate': '  {id}  {owner}{organization}, действителен до {notAfter}',
  'tokens.noKey': ' (нет закрытого ключа)',
  'login.done': 'Вход выполнен: {signer} ({algorithm}).',
  'login.kept': 'Вход выполнен: {signer} ({algorithm}); PIN сохранён в хранилище ОС для фоновых сеансов.',
  'signed.file': 'Подписан {file} → {signature} ({signer}; {algorithm}).',
  'list.inboxEmpty': 'Входящих нет.',
  'list.outboxEmpty': 'Исходящих нет.',
  'list.count': '{shown} из {total}',
  'list.signatureInvalid': 'ПОДПИСЬ НЕДЕЙСТВИТЕЛЬНА: {problem}',
  'list.refused': 'ОТКЛОНЁН: {reason}',
  'pending.none': 'Служебных документов, ждущих подписи, нет.',
  'pending.receipt': 'извещение о получении',
  'pending.clarification': 'уведомление об уточнении',
  'pending.signed': 'подписан, ждёт отправки',
  'session.line': 'Сеанс обмена: {outcome}{error}{clerk}',
  'session.clerk': ' — нужен сотрудник: {message}{pin}',
  'session.poaRefused': 'Не подписаны служебные документы ({count}), МЧД не позволяет ({code}): {message}',
  'session.summary':
    'отправлено документов: {sent}, получено: {received}{invalid}; служебных документов подписано: {serviceSigned}, отправлено: {serviceSent}, получено: {serviceReceived}; ждут: {pending}',
  'session.invalid': ' (с недействительной подписью: {count})',
  'outcome.done': 'завершён',
  'outcome.needs-clerk': 'нужен сотрудник',
  'outcome.error': 'ошибка',
  'outcome.not-allowed': 'не разрешён в этом режиме',
  'outcome.interrupted': 'прерван',
  'send.queued': '«{title}» подписан и помещён в исходящие для {counterparty}.',
  'send.queuedAs': 'Поставлен в очередь как документ {id}; уйдёт при следующем сеансе обмена.',
  'send.refused':
    'Сервер обмена отклонил «{title}»: {reason}. Документ остаётся в исходящих: «edo-clerk outbox retry {id}» отправит его снова, когда причина будет устранена, «edo-clerk outbox remove {id}» уберёт его.',
  'send.noReason': 'причина не указана',
  'refused.not':
    'Документ {id} («{title}») не отклонён сервером обмена (его статус: {status}); только отклонённый исходящий документ можно {what}',
  'refused.what.retry': 'отправить снова',
  'refused.what.remove': 'убрать',
  'refused.removed': '«{title}» убран из исходящих; сервер обмена его так и не принял.',
  'refused.back': '«{title}» снова в исходящих; уйдёт при следующем сеансе обмена.',
  'clarify.waiting': 'Уведомление об уточнении к «{title}» ждёт подписи.',
  'clarify.queued':
    'Поставлено в очередь как служебный документ {id}; будет подписано и отправлено при следующем сеансе обмена.',
  'workflow.signed': '{command} «{title}»: подписано, ждёт отправки.',
  'workflow.queued': 'Поставлено в очередь как шаг {id}; уйдёт при следующем сеансе обмена.',
  'workflow.refused': 'Сервер обмена отклонил {command} для «{title}»: {reason}',
  'workflow.accepted': '{command} «{title}»: принято сервером обмена',
  'workflow.notPosted': '{command} «{title}»: ещё не отправлено ({reason})',
  'workflow.state': 'подпись получателя: {signature}; аннулирование: {annulment}',
  'workflow.notRequested': 'не запрошена',
  'workflow.none': 'нет',
  'awaiting.signature': 'Документов ждут вашей подписи: {count}',
  'awaiting.annulment': 'Предложений об аннулировании ждут вашего ответа: {count}',
  'contacts.none': 'Контактов пока нет.',
  'contacts.inn': 'ИНН {inn}',
  'agent.web': 'Веб-клиент для сотрудников: {url}',
  'agent.session': 'сеанс{run}: {outcome}{error}{clerk}',
  'agent.notServer': '--web обслуживает сотрудников агента в режиме «server»; этот профиль в режиме «{mode}»',
  'pin.prompt': 'PIN — {token}{owner}{status}: ',
  'evidence.needsDocument': 'Укажите ДОКУМЕНТ: его номер из «edo-clerk inbox» или «outbox», или его id у оператора',
  'evidence.needsOut': 'Укажите --out ФАЙЛ',
  'evidence.needsFile': 'Для verify-evidence нужен ФАЙЛ.zip',
  'evidence.card': '{file}: карточка документа «{title}» ({bytes} байт)',
  'evidence.package': '{file}: пакет доказательств документа «{title}», частей: {parts}, и подписанный перечень',
  'web.port': '--port: номер порта от 1 до 65535, а не «{value}»',
  'web.tlsWithoutWeb': '--tls-cert и --tls-key указываются вместе с --web ХОСТ:ПОРТ',
  'web.listen': '--web: ХОСТ:ПОРТ (0.0.0.0:8443, [::]:8443, 127.0.0.1:8080), а не «{value}»',
  'web.tlsPair': '--tls-cert ФАЙЛ и --tls-key ФАЙЛ указываются вместе',
  'web.httpsRequired':
    '--web {value} открывает веб-клиент сотрудникам за пределами этой машины: там нужен HTTPS, укажите --tls-cert ФАЙЛ и --tls-key ФАЙЛ (PEM)',
  'token.name': 'Токен «{label}» (серийный номер {serial})',
  'token.any': 'Токен',
  'token.module-not-found': 'Модуль PKCS#11{module} не найден: установите драйвер токена или укажите --module ПУТЬ',
  'token.module-wrong-architecture':
    'Модуль PKCS#11{module} собран для другой архитектуры: этому приложению ({arch}) нужна сборка драйвера токена для {arch}',
  'token.module-failed': 'Модуль PKCS#11{module} не загружается или не запускается{detail}: проверьте путь к модулю',
  'token.token-not-present':
    'Токен не подключён{inModule}: вставьте его; какой токен взять, говорит --token МЕТКА|СЕРИЙНЫЙ_НОМЕР или профиль',
  'token.token-removed': '{token}: токен извлечён; вставьте его снова, документы подождут',
  'token.pin-incorrect': '{token}: PIN неверен{pin}',
  'token.pin-locked': '{token}: PIN пользователя заблокирован; разблокировать его может только администратор (SO PIN)',
  'token.pin-required': '{token}: нужен PIN (введите его или передайте через --pin-stdin){pin}',
  'token.key-not-found': '{token}: нет закрытого ключа к сертификату, или алгоритм ключа не поддерживается',
  'token.certificate-not-found': '{token}: нет сертификата с закрытым ключом',
  'token.token-failed': '{token}: ошибка токена{detail}',
  'token.inModule': ' в {module}',
  'pin.locked': 'PIN заблокирован; разблокировать его может администратор (SO PIN)',
  'pin.finalTry': 'ещё один неверный PIN заблокирует токен',
  'pin.countLow': 'неверный PIN уже вводился; токен считает попытки',
  'session.busy': 'Для этого профиля уже идёт сеанс обмена (процесс {pid}, с {since})',
  'session.starting': 'Для этого профиля начинается сеанс обмена (его файл блокировки с {since} ещё пишется)',
  'hub.unreachable': 'Сервер обмена {url} недоступен: {reason}',
  'hub.failed':
    'Сбой на сервере обмена (HTTP {status}, {hubCode}): повторите позже; если не пройдёт, сообщите оператору ({message})',
  'hub.refused': 'Сервер обмена отказал (HTTP {status}, {hubCode}): {message}',
  'demo.sent': 'демо-контрагент прислал «{title}»',
  'demo.answer.sign': 'демо-контрагент подписал «{title}»',
  'demo.answer.refuse-signature': 'демо-контрагент отказался подписать «{title}»',
  'demo.answer.accept-annulment': 'демо-контрагент принял аннулирование «{title}»',
  'demo.error': 'демо-контрагент: {message}',
  'demo.hubStopped': 'сервер обмена песочницы остановился (код выхода {code}): {line}',
  'demo.session': 'демо-контрагент: {did}',
  'demo.received': 'получено документов: {count}',
  'demo.receipts': 'подписано и отправлено извещений о получении: {count}',
  'demo.running': 'Локальная песочница запущена: сервер обмена {url}',
  'demo.you': '  вы:         {name} (ИНН {inn}), демонстрационный программный ключ ({algorithm})',
  'demo.ecdsa':
    '  эта песочница создана до перехода на ГОСТ Р 34.10-2012 и хранит демонстрационные ключи ECDSA; в новой папке профиля ключи будут ГОСТ',
  'demo.counterparty':
    '  контрагент: {name} (ИНН {inn}) время от времени присылает документы и сам подписывает извещения о получении',
  'demo.made': '  создана в {dir} ({secrets})',
  'demo.reused': '  взята из {dir} ({secrets})',
  'demo.secretsFile': 'хранилища ОС здесь нет: пароли демонстрационных ключей лежат там в файле 0600, только для демо',
  'demo.secretsKeychain': 'пароли демонстрационных ключей — в хранилище ОС',
  'demo.try': `Попробуйте в другом терминале:
  # получить его документы; подписать и отправить извещения о получении демонстрационным ключом
  edo-clerk session {p}
  edo-clerk inbox {p}
  # подписать файл и отправить его; извещение о получении придёт с одним из следующих сеансов
  edo-clerk send ФАЙЛ --to {inn} {p}
  edo-clerk outbox {p}
или запустите настольное приложение с этим профилем (EDO_CLERK_PROFILE) и посмотрите всё там.

Ctrl+C останавливает песочницу; следующий «edo-clerk demo» запустит её же снова.`,
  'demo.stopped': 'песочница остановлена',
  'web.running': 'EDO Clerk в браузере: {url}',
  'web.opened': '  (открыт в браузере по умолчанию)',
  'web.openIt': '  откройте его в браузере на этой машине',
  'web.stopHint': 'Ctrl+C останавливает его.',
  'web.stopped': 'веб-клиент остановлен',
  'start.noDesktop': 'EDO Clerk не может открыть окно настольного приложения: {problem}; он запускается в браузере.',
  'start.noDisplay': 'здесь нет дисплея (не заданы ни DISPLAY, ни WAYLAND_DISPLAY)',
  'start.noElectronPackage': 'пакет electron не установлен (выполните npm install)',
  'start.skipDownload': 'исполняемый файл Electron не установлен, а ELECTRON_SKIP_BINARY_DOWNLOAD задан',
  'start.fetching':
    'Исполняемый файл Electron ещё не установлен: загружаю его собственным install-electron пакета Electron…',
  'start.downloadFailed': 'исполняемый файл Electron загрузить не удалось ({why})',
  'start.buildFailed': 'Сборка не удалась (npm run build): см. выше',
  'start.failed': 'EDO Clerk в браузере не запустился: {message}',
  'progress.of': '[{step}] {done} из {total}',
  'progress.count': '[{step}] {done}',
  'poa.needsCreate': 'Для poa create нужны --representative СЕРТИФИКАТ.pem, --valid-until ГГГГ-ММ-ДД и --out ПАПКА',
  'poa.needsUse': 'Для poa use нужен ФАЙЛ.xml: МЧД с подписью руководителя в ФАЙЛ.xml.sig рядом',
  'certificate.none': 'В {file} нет сертификата',
  'poa.created': 'Доверенность {number} → {file} (и .sig)',
  'poa.otherFile': 'На сервере обмена под номером МЧД {number} другой файл; {file} — не тот, что зарегистрирован',
  'poa.noFile': 'Нет файла МЧД {file}',
  'poa.noSignature':
    'Нет подписи МЧД {file}: отсоединённая подпись руководителя лежит рядом с XML (или укажите --signature ФАЙЛ)',
  'poa.notEmchd': '{file} — не МЧД формата EMCHD_1: {detail}',
  'poa.otherPerson': 'МЧД {file} выдана: {names}, а не {holder}, с чьим сертификатом её хотят использовать',
  'session.agent-needs-server': 'режим работы организации — «{mode}»: агент обмена работает только в режиме «server»',
  'session.background-needs-workstation':
    'режим работы организации — «{mode}»: фоновые сеансы идут только в режиме «workstation»',
  'archive.usage': 'Архив: занято {used} МБ из {quota} ГБ{notArchived}',
  'archive.notArchivedCount': '; подписанных документов не поместилось и не заархивировано: {count}',
  'archive.head': 'Последняя виденная вершина дерева: записей {size}, корень {root}, подписана {signedAt}',
  'archive.noHead': 'Вершина дерева ещё не встречалась',
  'archive.consistent': 'Архив на сервере обмена согласован со всеми виденными ранее вершинами дерева.',
  'archive.failed': 'АРХИВ НЕ ПРОШЁЛ ПРОВЕРКУ: {detail}',
  'archive.altered': 'АРХИВ НА СЕРВЕРЕ ОБМЕНА ИЗМЕНЁН: {detail}',
  'archive.none': 'Заархивированных записей нет.',
  'archive.columns': '#|вид|файл|размер|в архиве с',
  'archive.notArchived': 'Не заархивировано (квота):',
  'archive.verified': 'Все заархивированные записи ({count}) сверены с подписанной вершиной дерева из {size} записей.',
  'archive.verifyFailed': 'Сверено: {verified}, НЕ ПРОШЛИ: {failed}:',
  'archive.needsIndex': 'Для archive get нужен номер записи (см. «edo-clerk archive list»), а не «{value}»',
  'archive.noEntry': 'В архиве организации нет записи {index}',
  'archive.saved': '{file} ({size} байт, SHA-256 сверен)',
  'archive.signature': '{file} (отсоединённая подпись CMS)',
  'roots.not-a-certificate': 'Файл {file} — не сертификат X.509 (PEM или DER): доверенным корневым он быть не может',
  'roots.unreadable': 'Файл доверенного корневого сертификата {file} не читается: {detail}',
  'workflowRefusal.document-annulled':
    '«{title}» аннулирован: по нему больше ничего не подписывают, не отказывают и не предлагают',
  'workflowRefusal.not-your-turn':
    '«{title}»: этот шаг не ваш: подписывает документ или отказывает в подписи его получатель, на предложение аннулировать отвечает другая сторона',
  'workflowRefusal.signature-not-requested': '«{title}» отправлен без запроса подписи получателя',
  'workflowRefusal.document-already-signed': '«{title}» получатель уже подписал',
  'workflowRefusal.signature-already-refused': 'Получатель уже отказал в подписи «{title}»',
  'workflowRefusal.annulment-pending': 'Предложение аннулировать «{title}» ещё ждёт ответа',
  'workflowRefusal.annulment-not-pending': 'Предложения другой стороны аннулировать «{title}» нет, отвечать не на что',
  'workflowRefusal.not-found': 'В этом профиле нет такого документа',
  'workflowRefusal.not-sent': '«{title}» ещё не принят сервером обмена: сначала проведите сеанс обмена',
  'workflowRefusal.step-waiting': 'Подписанный шаг по «{title}» ждёт отправки: сначала проведите сеанс обмена',
  'workflowRefusal.no-own-organization': 'Профиль ещё не знает своей организации: сначала проведите сеанс обмена',
  'workflowRefusal.reason-required':
    'Отказ, предложение аннулировать и отказ в аннулировании называют причину: укажите --reason ТЕКСТ',
  'workflowRefusal.no-signature': 'У «{title}» нет сохранённой подписи',
  'softwareKey.cryptopro-container':
    '{path} — контейнер ключа КриптоПро: его ключи хранятся в закрытом формате КриптоПро, EDO Clerk их не читает; используйте ключ на токене или выгрузите его в файл PEM PKCS#8',
  'softwareKey.unreadable': 'Файл ключа {path} не читается ({detail})',
  'softwareKey.password-not-kept':
    'Пароля к ключу {path} нет в хранилище ОС (секрет «{secret}»): сохраните его в настройках ключа профиля',
  'softwareKey.password-not-named':
    'Ключ {path} зашифрован: укажите в настройках ключа, под каким именем хранится его пароль',
  'softwareKey.wrong-password': 'Ключ {path} не открывается паролем из хранилища ОС: пароль неверен',
  'softwareKey.not-pkcs12': '{path} — не читаемый файл PKCS#12 (.pfx): {detail}',
  'softwareKey.no-private-key': 'В {path} нет закрытого ключа',
  'softwareKey.not-a-private-key': '{path} — не читаемый закрытый ключ: {detail}',
  'softwareKey.no-certificate-for-key': 'В {path} нет сертификата к ключу {key}',
} as const;

export type CliKey = keyof typeof ru;

/** Whether a key made at run time (a core error's code) has words. */
export const isCliKey = (key: string): key is CliKey => key in ru;

const en: Record<CliKey, string> = {
  'lang.invalid': '--lang must be ru or en, not "{value}"',
  'command.unknown': 'unknown command "{command}"',
  'argument.unexpected': 'unexpected argument "{value}"',
  'option.integer': '--{name} must be a whole number from {min} to {max}, not "{value}"',
  'option.date':
    '--{name} must be an ISO date or date and time (2026-12-02 or 2026-12-02T10:15:00+03:00), not "{value}"',
  'option.status': '--status {value} is not a document status: use one of {statuses}',
  'option.conflict.stdin':
    'Give one of --password-stdin and --key-password-stdin per call: standard input holds one secret',
  'option.keep': '--keep needs a PIN typed or given with --pin-stdin',
  'needs.server': 'profile init needs --server URL',
  'needs.sign': 'sign needs FILE',
  'needs.verify': 'verify needs FILE FILE.sig',
  'needs.send': 'send needs FILE and --to SUBSCRIBER',
  'needs.clarify': 'clarify needs DOCUMENT (its number in the inbox, or its hub id) and --text TEXT',
  'needs.document': '{command} needs DOCUMENT (its number in the inbox or outbox, or its hub id)',
  'needs.subscriber': 'contact {action} needs SUBSCRIBER (id, INN or a part of the name)',
  'no.signer': 'No signer: give --token LABEL|SERIAL (and --module PATH), or set the token or key file in the profile',
  'no.roots': 'No trusted roots: give --trust CA.pem or add trusted roots to the profile',
  'no.modules': 'No PKCS#11 module found on this machine: install the token driver or give --module PATH',
  'no.document': 'No document "{ref}" in this profile',
  'no.received': 'No received document "{ref}" in the inbox',
  'subscriber.none':
    'No subscriber "{to}" in the directory: check the name or INN, or run "edo-clerk session" to update the directory',
  'subscriber.many': '"{to}" matches {count} subscribers: {list}; give the INN or the id',
  'subscriber.item': '{name} (INN {inn}, id {id})',
  'profile.ready': 'Profile {dir} is ready (hub {server}, mode {mode}).',
  'profile.title': 'Profile {dir}',
  'profile.hub': 'hub {server}, mode {mode}',
  'profile.counts': 'Inbox {inbox}, Outbox {outbox}, pending service documents {pending}',
  'tokens.none': 'No tokens are plugged in.',
  'tokens.line': '{label} (serial {serial}, {model}) in {module}',
  'tokens.pinPad': ', PIN pad',
  'tokens.certificate': '  {id}  {owner}{organization}, valid to {notAfter}',
  'tokens.noKey': ' (no private key)',
  'login.done': 'Logged in: {signer} ({algorithm}).',
  'login.kept': 'Logged in: {signer} ({algorithm}); the PIN is kept in the OS keychain for background sessions.',
  'signed.file': 'Signed {file} → {signature} ({signer}; {algorithm}).',
  'list.inboxEmpty': 'The inbox is empty.',
  'list.outboxEmpty': 'The outbox is empty.',
  'list.count': '{shown} of {total}',
  'list.signatureInvalid': 'SIGNATURE INVALID: {problem}',
  'list.refused': 'REFUSED: {reason}',
  'pending.none': 'No service documents wait for a signature.',
  'pending.receipt': 'receipt notice',
  'pending.clarification': 'clarification request',
  'pending.signed': 'signed, to send',
  'session.line': 'Exchange session: {outcome}{error}{clerk}',
  'session.clerk': ' — the clerk is needed: {message}{pin}',
  'session.poaRefused': 'Service documents not signed ({count}), the МЧД does not allow it ({code}): {message}',
  'session.summary':
    'sent {sent} document(s), received {received}{invalid}; service documents signed {serviceSigned}, sent {serviceSent}, received {serviceReceived}; pending {pending}',
  'session.invalid': ' ({count} with an invalid signature)',
  'outcome.done': 'done',
  'outcome.needs-clerk': 'the clerk is needed',
  'outcome.error': 'error',
  'outcome.not-allowed': 'not allowed in this mode',
  'outcome.interrupted': 'interrupted',
  'send.queued': '"{title}" is signed and in the outbox for {counterparty}.',
  'send.queuedAs': 'Queued as document {id}; it goes at the next exchange session.',
  'send.refused':
    'The hub refused "{title}": {reason}. It stays in the outbox: "edo-clerk outbox retry {id}" sends it again once the cause is put right, "edo-clerk outbox remove {id}" takes it out.',
  'send.noReason': 'no reason given',
  'refused.not':
    'Document {id} ("{title}") is not one the hub refused (its status: {status}); only a refused outgoing document can be {what}',
  'refused.what.retry': 'sent again',
  'refused.what.remove': 'removed',
  'refused.removed': '"{title}" is removed from the outbox; it was never accepted by the hub.',
  'refused.back': '"{title}" is back in the outbox; it goes at the next exchange session.',
  'clarify.waiting': 'Clarification request for "{title}" is waiting for a signature.',
  'clarify.queued': 'Queued as service document {id}; it is signed and sent at the next exchange session.',
  'workflow.signed': '{command} "{title}": signed, waiting to be posted.',
  'workflow.queued': 'Queued as workflow step {id}; it is posted at the next exchange session.',
  'workflow.refused': 'The hub refused {command} on "{title}": {reason}',
  'workflow.accepted': '{command} "{title}": accepted by the hub',
  'workflow.notPosted': '{command} "{title}": not posted yet ({reason})',
  'workflow.state': 'signature: {signature}; annulment: {annulment}',
  'workflow.notRequested': 'not requested',
  'workflow.none': 'none',
  'awaiting.signature': 'Documents waiting for your signature: {count}',
  'awaiting.annulment': 'Annulment proposals waiting for your answer: {count}',
  'contacts.none': 'No contacts yet.',
  'contacts.inn': 'INN {inn}',
  'agent.web': 'The staff web client: {url}',
  'agent.session': 'session{run}: {outcome}{error}{clerk}',
  'agent.notServer': '--web serves the staff of an agent in operating mode "server"; this profile is in "{mode}"',
  'pin.prompt': 'PIN — {token}{owner}{status}: ',
  'evidence.needsDocument': 'Name the DOCUMENT: its number from "edo-clerk inbox" or "outbox", or its hub id',
  'evidence.needsOut': 'Give --out FILE',
  'evidence.needsFile': 'verify-evidence needs FILE.zip',
  'evidence.card': '{file}: the card of "{title}" ({bytes} bytes)',
  'evidence.package': '{file}: the evidence package of "{title}", {parts} parts and the signed manifest',
  'web.port': '--port must be a port number from 1 to 65535, not "{value}"',
  'web.tlsWithoutWeb': '--tls-cert and --tls-key go with --web HOST:PORT',
  'web.listen': '--web must be HOST:PORT (0.0.0.0:8443, [::]:8443, 127.0.0.1:8080), not "{value}"',
  'web.tlsPair': '--tls-cert FILE and --tls-key FILE go together',
  'web.httpsRequired':
    '--web {value} serves the staff off this machine: HTTPS is required there, give --tls-cert FILE and --tls-key FILE (PEM)',
  'token.name': 'Token "{label}" (serial {serial})',
  'token.any': 'The token',
  'token.module-not-found': 'PKCS#11 module{module} not found: install the token driver or give --module PATH',
  'token.module-wrong-architecture':
    'PKCS#11 module{module} is built for another architecture: this {arch} application needs the {arch} build of the token driver',
  'token.module-failed': 'PKCS#11 module{module} does not load or start{detail}: check the module path',
  'token.token-not-present':
    'The token is not plugged in{inModule}: insert it; --token LABEL|SERIAL or the profile says which token to use',
  'token.token-removed': '{token}: the token was removed; insert it again, documents wait',
  'token.pin-incorrect': '{token}: wrong PIN{pin}',
  'token.pin-locked': '{token}: the user PIN is locked; only the administrator (SO PIN) can unblock it',
  'token.pin-required': '{token}: the PIN is needed (type it or give it with --pin-stdin){pin}',
  'token.key-not-found': '{token}: no private key for the certificate, or its algorithm is not supported',
  'token.certificate-not-found': '{token}: no certificate with a private key',
  'token.token-failed': '{token}: the token failed{detail}',
  'token.inModule': ' in {module}',
  'pin.locked': 'the PIN is locked; the administrator (SO PIN) can unblock it',
  'pin.finalTry': 'one more wrong PIN locks the token',
  'pin.countLow': 'a wrong PIN was entered before; the token counts the tries',
  'session.busy': 'An exchange session is already running for this profile (process {pid}, since {since})',
  'session.starting':
    'An exchange session is starting for this profile (its lock file, from {since}, is being written)',
  'hub.unreachable': 'The exchange hub at {url} cannot be reached: {reason}',
  'hub.failed':
    'The exchange hub failed (HTTP {status}, {hubCode}): try again later; if it keeps failing, tell the operator ({message})',
  'hub.refused': 'The exchange hub refused (HTTP {status}, {hubCode}): {message}',
  'demo.sent': 'the demo counterparty sent "{title}"',
  'demo.answer.sign': 'the demo counterparty signed "{title}"',
  'demo.answer.refuse-signature': 'the demo counterparty refused to sign "{title}"',
  'demo.answer.accept-annulment': 'the demo counterparty accepted the annulment of "{title}"',
  'demo.error': 'the demo counterparty: {message}',
  'demo.hubStopped': 'the sandbox hub stopped (exit {code}): {line}',
  'demo.session': 'the demo counterparty: {did}',
  'demo.received': '{count} document(s) received',
  'demo.receipts': '{count} receipt notice(s) signed and sent',
  'demo.running': 'The local sandbox is running: exchange hub {url}',
  'demo.you': '  you:              {name} (INN {inn}), a software demo key ({algorithm})',
  'demo.ecdsa':
    '  this sandbox was made before it used GOST R 34.10-2012 and keeps its ECDSA demo keys; a new profile folder gets GOST ones',
  'demo.counterparty':
    '  the counterparty: {name} (INN {inn}) sends documents now and then and signs receipt notices by itself',
  'demo.made': '  made in {dir} ({secrets})',
  'demo.reused': '  reused from {dir} ({secrets})',
  'demo.secretsFile': 'no OS keychain runs here: the demo key passwords are in a 0600 demo-only file there',
  'demo.secretsKeychain': 'the demo key passwords are in the OS keychain',
  'demo.try': `Try, in another terminal:
  # receive its documents; sign and send their receipt notices with your demo key
  edo-clerk session {p}
  edo-clerk inbox {p}
  # sign a file and send it; its receipt notice comes back with a later session
  edo-clerk send FILE --to {inn} {p}
  edo-clerk outbox {p}
or start the desktop app with this profile (EDO_CLERK_PROFILE) to see it all there.

Ctrl+C stops the sandbox; the next "edo-clerk demo" starts the same one again.`,
  'demo.stopped': 'the sandbox stopped',
  'web.running': 'EDO Clerk in the browser: {url}',
  'web.opened': '  (opened in the default browser)',
  'web.openIt': '  open it in a browser on this machine',
  'web.stopHint': 'Ctrl+C stops it.',
  'web.stopped': 'the web client stopped',
  'start.noDesktop': 'EDO Clerk cannot open its desktop window: {problem}; it starts in the browser instead.',
  'start.noDisplay': 'no display here (neither DISPLAY nor WAYLAND_DISPLAY is set)',
  'start.noElectronPackage': 'the electron package is not installed (run npm install)',
  'start.skipDownload': 'the Electron binary is not installed, and ELECTRON_SKIP_BINARY_DOWNLOAD is set',
  'start.fetching': "The Electron binary is not installed yet: fetching it with Electron's own install-electron…",
  'start.downloadFailed': 'the Electron binary could not be downloaded ({why})',
  'start.buildFailed': 'The build failed (npm run build): see above',
  'start.failed': 'EDO Clerk in the browser did not start: {message}',
  'progress.of': '[{step}] {done} of {total}',
  'progress.count': '[{step}] {done}',
  'poa.needsCreate': 'poa create needs --representative CERT.pem, --valid-until YYYY-MM-DD and --out DIR',
  'poa.needsUse': "poa use needs FILE.xml: the МЧД, with the director's signature FILE.xml.sig beside it",
  'certificate.none': 'No certificate in {file}',
  'poa.created': 'Power of attorney {number} → {file} (+ .sig)',
  'poa.otherFile': 'The hub holds another file under the МЧД number {number}; {file} is not the one registered',
  'poa.noFile': 'No МЧД file {file}',
  'poa.noSignature':
    "No signature of the МЧД at {file}: the director's detached signature goes beside the XML (or give --signature FILE)",
  'poa.notEmchd': '{file} is not an МЧД of format EMCHD_1: {detail}',
  'poa.otherPerson': '{file} is issued to {names}, not to {holder}, whose certificate it would be used with',
  'session.agent-needs-server':
    'the organization\'s operating mode is "{mode}": the exchange agent runs only in "server" mode',
  'session.background-needs-workstation':
    'the organization\'s operating mode is "{mode}": background sessions run only in "workstation" mode',
  'archive.usage': 'Archive: used {used} MB of {quota} GB{notArchived}',
  'archive.notArchivedCount': '; {count} signed document(s) did not fit and are not archived',
  'archive.head': 'Last tree head seen: {size} entries, root {root}, signed {signedAt}',
  'archive.noHead': 'No tree head seen yet',
  'archive.consistent': 'The hub’s archive is consistent with every tree head seen before.',
  'archive.failed': 'THE ARCHIVE FAILED VERIFICATION: {detail}',
  'archive.altered': "THE HUB'S ARCHIVE WAS ALTERED: {detail}",
  'archive.none': 'No archived entries.',
  'archive.columns': '#|kind|file|size|archived',
  'archive.notArchived': 'Not archived (quota):',
  'archive.verified': 'All {count} archived entries verified against the signed tree head of {size} entries.',
  'archive.verifyFailed': '{verified} verified, {failed} FAILED:',
  'archive.needsIndex': 'archive get needs the entry number (see "edo-clerk archive list"), not "{value}"',
  'archive.noEntry': 'The organization has no archive entry {index}',
  'archive.saved': '{file} ({size} bytes, SHA-256 checked)',
  'archive.signature': '{file} (detached CMS)',
  'roots.not-a-certificate':
    'Cannot read the trusted root certificate file {file}: Not an X.509 certificate (PEM or DER)',
  'roots.unreadable': 'Cannot read the trusted root certificate file {file}: {detail}',
  'workflowRefusal.document-annulled': '"{title}" is annulled; nothing more is signed, refused or proposed on it',
  'workflowRefusal.not-your-turn':
    '"{title}": this step is not yours: the recipient signs a document or refuses to, and the other side answers a proposal to annul',
  'workflowRefusal.signature-not-requested': '"{title}" was sent without a request for the recipient\'s signature',
  'workflowRefusal.document-already-signed': 'The recipient has already signed "{title}"',
  'workflowRefusal.signature-already-refused': 'The recipient has already refused to sign "{title}"',
  'workflowRefusal.annulment-pending': 'A proposal to annul "{title}" still waits for its answer',
  'workflowRefusal.annulment-not-pending': 'No proposal of the other side to annul "{title}" waits for an answer',
  'workflowRefusal.not-found': 'No such document in this profile',
  'workflowRefusal.not-sent': '"{title}" has not been accepted by the hub yet: run a session first',
  'workflowRefusal.step-waiting': 'A signed step on "{title}" waits to be posted: run a session first',
  'workflowRefusal.no-own-organization': 'This profile does not know its own organization yet: run a session first',
  'workflowRefusal.reason-required':
    'A refusal, an annulment proposal and a rejection state their reason: give --reason TEXT',
  'workflowRefusal.no-signature': '"{title}" has no stored signature',
  'softwareKey.cryptopro-container':
    "{path} is a CryptoPro key container: its keys are stored in CryptoPro's proprietary masked format, which EDO Clerk cannot read; use the key on its token, or export it as a PKCS#8 PEM file",
  'softwareKey.unreadable': 'Cannot read the key file {path} ({detail})',
  'softwareKey.password-not-kept':
    'The password of {path} is not in the OS keychain (secret "{secret}"): store it with the profile\'s key settings',
  'softwareKey.password-not-named': 'The key {path} is encrypted: name its password secret in the key settings',
  'softwareKey.wrong-password':
    'The key {path} cannot be opened with the password stored in the OS keychain: wrong password',
  'softwareKey.not-pkcs12': '{path} is not a readable PKCS#12 (.pfx) file: {detail}',
  'softwareKey.no-private-key': '{path} holds no private key',
  'softwareKey.not-a-private-key': '{path} is not a readable private key: {detail}',
  'softwareKey.no-certificate-for-key': '{path} holds no certificate for the key {key}',
};

export type CliValues = Record<string, string | number>;

/** A message to show later in the language the command runs in (CliError carries one). */
export interface CliWords {
  key: CliKey;
  values: CliValues;
}

export const words = (key: CliKey, values: CliValues = {}): CliWords => ({ key, values });

export function cliText(language: CliLanguage, key: CliKey, values: CliValues = {}): string {
  return fillIn((language === 'en' ? en : ru)[key], values);
}

/**
 * The language a command speaks: --lang, else the first locale variable that is set (LC_ALL,
 * LC_MESSAGES, LANG, as POSIX looks them up) when it names Russian or English, else the
 * profile's language, else Russian. An unknown --lang is refused (in the language found without it).
 */
export function cliLanguage(given: string | undefined, env: NodeJS.ProcessEnv, profileLanguage?: string): CliLanguage {
  const fallback = localeLanguage(env) ?? (profileLanguage === 'en' ? 'en' : 'ru');
  if (given === undefined) return fallback;
  const chosen = given === 'ru' || given === 'en' ? given : undefined;
  if (!chosen) throw new LanguageError(cliText(fallback, 'lang.invalid', { value: given }));
  return chosen;
}

export class LanguageError extends Error {}

/** A moment as the clerk reads it: the machine's local time (TZ) with its zone, "03.12.2026, 12:16 GMT+3". */
export function localTime(date: Date | string, language: CliLanguage): string {
  const d = typeof date === 'string' ? new Date(date) : date;
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'ru-RU', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(d);
}

/** A date alone (a certificate's end of validity), in the local calendar. */
export function localDate(date: Date | string, language: CliLanguage): string {
  const d = typeof date === 'string' ? new Date(date) : date;
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'ru-RU', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);
}
