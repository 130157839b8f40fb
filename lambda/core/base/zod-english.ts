/**
 * Gives zod's tree-shakable build (`zod/mini`) English messages. Import it for
 * its effect wherever a schema's messages reach a person. Files use
 * `import * as z from 'zod/mini'` and only ever touch `z.<member>`, which lets
 * the bundler drop the rest: the classic build would add ~450 kB to the router.
 */
import { config } from 'zod/mini';
import english from 'zod/v4/locales/en.js';

config(english());
