import { Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { UserResponse, AuthUser } from '@conduit/contracts';
import { CurrentUser, Public } from '../auth/auth.decorators.js';
import { ValidBody } from '../common/validated-params.js';
import { ApiDocs } from '../docs/api-docs.decorators.js';
import { userResponseSchema } from '../docs/response.schemas.js';
import { RateLimit } from '../traffic/rate-limit.decorator.js';
import { loginSchema, registerSchema, updateUserSchema, type LoginBody, type RegisterBody, type UpdateUserBody } from './user.schemas.js';
import { UsersService } from './users.service.js';

@ApiTags('User and Authentication')
@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @RateLimit('register')
  @Post('users')
  @HttpCode(201)
  @ApiDocs({ operationId: 'CreateUser', summary: 'Register a new user', auth: 'none', status: 201, body: userResponseSchema, errors: [422] })
  async register(@ValidBody(registerSchema) body: RegisterBody): Promise<UserResponse> {
    return { user: await this.users.register(body) };
  }

  @Public()
  @RateLimit('login')
  @Post('users/login')
  @HttpCode(200)
  @ApiDocs({ operationId: 'Login', summary: 'Existing user login', auth: 'none', status: 200, body: userResponseSchema, errors: [401, 422] })
  async login(@ValidBody(loginSchema) body: LoginBody): Promise<UserResponse> {
    return { user: await this.users.login(body) };
  }

  @Get('user')
  @ApiDocs({ operationId: 'GetCurrentUser', summary: 'Get current user', auth: 'required', status: 200, body: userResponseSchema })
  async current(@CurrentUser() user: AuthUser): Promise<UserResponse> {
    return { user: await this.users.current(user) };
  }

  @Put('user')
  @ApiDocs({ operationId: 'UpdateCurrentUser', summary: 'Update current user', auth: 'required', status: 200, body: userResponseSchema, errors: [422] })
  async update(@CurrentUser() user: AuthUser, @ValidBody(updateUserSchema) body: UpdateUserBody): Promise<UserResponse> {
    return { user: await this.users.update(user, body) };
  }
}
