// Runs in: the renderer. Russian strings of the Organization view's "Выдать МЧД" section; the
// refusals' words come from src/vocabulary/power-of-attorney.ts, as the CLI's do.
export const poaRu = {
  'poa.issue.title': 'Выдать МЧД',
  'poa.issue.intro':
    'Машиночитаемая доверенность сотруднику: подписывается сертификатом руководителя на токене дня и сразу регистрируется на сервере обмена. Файлы доверенности (XML и подпись) сохраняются туда, куда вы укажете.',
  'poa.issue.certificate': 'Сертификат представителя (PEM)',
  'poa.issue.certificateFile': 'или файл сертификата (PEM, DER)',
  'poa.issue.certificateChosen': 'Выбран файл {file}',
  'poa.issue.powers': 'Полномочия (классификатор ФНС)',
  'poa.issue.validUntil': 'Действует по',
  'poa.issue.noRedelegation': 'Без права передоверия',
  'poa.issue.submit': 'Подписать и зарегистрировать',
  'poa.issue.signing': 'Подписываем и регистрируем…',
  'poa.issue.done': 'МЧД № {number} зарегистрирована: действует по {validUntil}, статус — {status}.',
  'poa.issue.saved': 'Сохранено: {files}',
  'poa.issue.downloaded': 'Скачивается: {files}',
  'poa.issue.token': 'МЧД не подписана: {reason}.',
  'poa.issue.unavailable': 'В этой сборке доверенность негде сохранить.',
  'poa.status.created': 'зарегистрирована, срок ещё не начался',
  'poa.status.active': 'действует',
  'poa.status.expired': 'срок истёк',
  'poa.status.revoked': 'отозвана',
};
