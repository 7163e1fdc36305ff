import type { ResourceNames } from '../names.js';

/** OpenAPI decorators when @nestjs/swagger is a dependency; otherwise a marked place for them. */
function openApi(n: ResourceNames, swagger: boolean) {
  if (!swagger) {
    return {
      imports: '',
      controller: `// OpenAPI: with @nestjs/swagger installed, add @ApiTags('${n.kebabPlural}') here, @ApiOperation on each route and @ApiBearerAuth on the writes.\n`,
      op: () => '',
      auth: '',
    };
  }
  return {
    imports: "import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';\n",
    controller: `@ApiTags('${n.kebabPlural}')\n`,
    op: (summary: string) => `  @ApiOperation({ summary: '${summary}' })\n`,
    auth: '  @ApiBearerAuth()\n',
  };
}

// eslint-disable-next-line max-lines-per-function -- the template of one file, kept readable as the file it writes
export function controllerTemplate(n: ResourceNames, swagger: boolean): string {
  const api = openApi(n, swagger);
  return `import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
${api.imports}import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '@conduit/contracts';
import { CurrentUser, Public } from '../auth/auth.decorators.js';
import { sendCached } from '../cache/cached-response.js';
import { notFound } from '../common/api-errors.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { RateLimit } from '../traffic/rate-limit.decorator.js';
import { ${n.pascalPlural}Cache } from './${n.kebabPlural}.cache.js';
import { ${n.screaming}_WRITE_LIMIT } from './${n.kebabPlural}.rate-limit.js';
import { ${n.pascalPlural}Service } from './${n.kebabPlural}.service.js';
import {
  create${n.pascal}Schema,
  list${n.pascalPlural}QuerySchema,
  parse${n.pascal}Id,
  update${n.pascal}Schema,
  type Create${n.pascal}Body,
  type List${n.pascalPlural}Query,
  type Single${n.pascal}Response,
  type Update${n.pascal}Body,
} from './${n.kebab}.schemas.js';

/** Thin: validation (zod pipes), the cached reads (ETag, 304) and the service's writes. */
${api.controller}@Controller('${n.kebabPlural}')
export class ${n.pascalPlural}Controller {
  constructor(
    private readonly service: ${n.pascalPlural}Service,
    private readonly cached: ${n.pascalPlural}Cache,
  ) {}

  @Public()
  @Get()
${api.op(`List ${n.kebabPlural}, newest first (?author=, ?limit=, ?offset=)`)}  async list(@Query(new ZodValidationPipe(list${n.pascalPlural}QuerySchema)) query: List${n.pascalPlural}Query, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { body, version } = await this.cached.list(query);
    sendCached(request, reply, body, version, undefined);
  }

  @Public()
  @Get(':id')
${api.op(`One ${n.kebab}`)}  async get(@Param('id') rawId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const id = parse${n.pascal}Id(rawId);
    if (id === null) throw notFound('${n.camel}');
    const { body, version } = await this.cached.get(id);
    sendCached(request, reply, body, version, undefined);
  }

  @Post()
  @HttpCode(201)
  @RateLimit(${n.screaming}_WRITE_LIMIT)
${api.auth}${api.op(`Create a ${n.kebab}`)}  async create(@Body(new ZodValidationPipe(create${n.pascal}Schema)) body: Create${n.pascal}Body, @CurrentUser() viewer: AuthUser): Promise<Single${n.pascal}Response> {
    return { ${n.camel}: await this.service.create(body, viewer) };
  }

  @Put(':id')
  @RateLimit(${n.screaming}_WRITE_LIMIT)
${api.auth}${api.op(`Update one of your ${n.kebabPlural}`)}  async update(@Param('id') id: string, @Body(new ZodValidationPipe(update${n.pascal}Schema)) body: Update${n.pascal}Body, @CurrentUser() viewer: AuthUser): Promise<Single${n.pascal}Response> {
    return { ${n.camel}: await this.service.update(id, body, viewer) };
  }

  @Delete(':id')
  @HttpCode(204)
  @RateLimit(${n.screaming}_WRITE_LIMIT)
${api.auth}${api.op(`Delete one of your ${n.kebabPlural}`)}  async delete(@Param('id') id: string, @CurrentUser() viewer: AuthUser): Promise<void> {
    await this.service.delete(id, viewer);
  }
}
`;
}
