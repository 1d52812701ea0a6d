// Runs in: the renderer. Russian strings of the staff's web client served by the agent (its
// login form and the signed-in user).
export const staffRu = {
  'staff.title': 'Вход для сотрудников',
  'staff.hint': 'Логин и пароль пользователя сервера обмена вашей организации.',
  'staff.login': 'Логин',
  'staff.password': 'Пароль',
  'staff.submit': 'Войти',
  'staff.submitting': 'Входим…',
  'staff.user': '{name}, {organization}',
  'staff.logout': 'Выйти',
  'staff.problem.login-failed': 'Неверный логин или пароль.',
  'staff.problem.too-many-attempts': 'Слишком много неудачных попыток. Попробуйте снова в {time}.',
  'staff.problem.other-organization':
    'Этот пользователь относится к другой организации: здесь входят только сотрудники организации этого сервера.',
  'staff.problem.hub-unreachable': 'Сервер обмена не ответил на вход: {message}',
  'staff.problem.invalid-request': 'Укажите логин и пароль.',
};
