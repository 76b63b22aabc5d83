/**
 * Validation messages are read by clerks and health-bureau staff, so zod speaks Chinese.
 * Imported for its effect by every module that validates input.
 */
import * as z from 'zod';

z.config(z.locales.zhCN());
