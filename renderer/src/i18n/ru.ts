// Russian: the default language of the clerk's UI.
export const ru = {
  'app.name': 'EDO Clerk — делопроизводитель',
  'app.tagline': 'Обмен юридически значимыми электронными документами',
  'lang.switch': 'English',
};
