export { ContactService, type Submitted } from './contact.service.ts';
export { registerContactRoutes } from './contact.routes.ts';
export { contactPaths } from './contact.paths.ts';
export { validateContact, isUkPhone, type ContactInput, type ContactErrors } from './contact.validate.ts';
